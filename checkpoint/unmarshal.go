package checkpoint

import (
	"encoding/json"
	"fmt"

	"github.com/recurrent-go/recurrent/text"
)

// ReadUnmarshal decodes the named file with v's own UnmarshalJSON (for
// types that validate themselves, such as a text.Vocab), naming the file
// in the error. Unlike ReadJSON it does not reject unknown fields itself.
func (c *Checkpoint) ReadUnmarshal(name string, v json.Unmarshaler) error {
	b, err := c.ReadFile(name)
	if err != nil {
		return err
	}
	if err := v.UnmarshalJSON(b); err != nil {
		return fmt.Errorf("%s: %w", c.Path(name), err)
	}
	return nil
}

// ReadVocab reads the named vocabulary file (a text.Vocab, checked as it
// is decoded; ReadUnmarshal).
func (c *Checkpoint) ReadVocab(name string) (*text.Vocab, error) {
	v := new(text.Vocab)
	if err := c.ReadUnmarshal(name, v); err != nil {
		return nil, err
	}
	return v, nil
}
