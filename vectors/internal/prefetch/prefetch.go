// Package prefetch asks the CPU to start loading a vector's memory before
// it is needed, so that the loads of the next rows overlap with the work
// on the current ones (the embedding trainers' hot loops: word2vec and
// GloVe read random rows of tables far larger than the caches). A
// prefetch is a hint: it changes no result, only when the data arrives.
package prefetch
