//go:build purego || !amd64

package gemm

func available() []*impl { return []*impl{genericImpl} }
