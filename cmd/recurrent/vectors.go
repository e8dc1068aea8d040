package main

import "github.com/spf13/cobra"

// vectorsCmd groups the word-vector subcommands (similar, analogy, eval,
// debias, convert, plot; train registers itself from vectors_train.go).
var vectorsCmd = &cobra.Command{
	Use:   "vectors",
	Short: "Query, evaluate, debias, convert and plot word vectors",
}

func init() {
	rootCmd.AddCommand(vectorsCmd)
}
