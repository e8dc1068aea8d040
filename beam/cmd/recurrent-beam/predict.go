package main

import (
	"errors"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
)

func predictFlags() func(beam.Scope) error {
	return func(beam.Scope) error { return errors.New("predict: not built yet") }
}
