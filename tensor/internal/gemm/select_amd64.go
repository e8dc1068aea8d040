//go:build !purego

package gemm

func available() []*impl { return []*impl{genericImpl} }
