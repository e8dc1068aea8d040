// Package vectors holds word embeddings: reading and writing vector files
// (word2vec text and binary, GloVe text; fastText .bin models, whose
// character n-grams give vectors to words outside the vocabulary), similarity queries, analogies,
// evaluation on standard sets, and debiasing. Training lives in the
// subpackages word2vec and glove, and trainer runs either by name.
//
// Names: an XReport (AnalogyReport, PairsReport, DebiasReport) is what a
// computation finds; an XSummary (AnalogySummary, EvalSummary,
// DebiasSummary, ...) is what a command shows of it: its fields are the
// --json output and its WriteText method the text output. Evaluate,
// DebiasFiles and PlotFiles run a whole command's work from file names,
// read through a text.Stdio so that "-" is standard input or output.
package vectors

// Vectors is a set of word embeddings: row i of Data (Dim values) is the
// vector of Words[i]. Words are ordered as in the file or by descending
// frequency when trained here, which the frequency-restricted queries rely on.
type Vectors struct {
	Words []string
	Dim   int
	Data  []float32 // [len(Words), Dim], row-major
	// Subwords, when not nil (a fastText model read from its .bin), gives
	// words outside Words a vector built from their character n-grams.
	Subwords *Subwords
}

// Len returns the number of words.
func (v *Vectors) Len() int { return len(v.Words) }

// Vec returns the vector of word i, sharing storage.
func (v *Vectors) Vec(i int) []float32 { return v.Data[i*v.Dim : (i+1)*v.Dim] }

// Head returns the first n vectors of v (sharing its storage), or v itself
// when n is not below Len or is 0 or less.
func (v *Vectors) Head(n int) *Vectors {
	if n <= 0 || n >= v.Len() {
		return v
	}
	return &Vectors{Words: v.Words[:n], Dim: v.Dim, Data: v.Data[:n*v.Dim]}
}
