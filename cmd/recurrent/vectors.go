package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/recurrent-go/recurrent/vectors"
)

// vectorsCmd groups the word-vector subcommands (similar, analogy, eval,
// debias, convert, plot; train registers itself from vectors_train.go).
var vectorsCmd = &cobra.Command{
	Use:   "vectors",
	Short: "Query, evaluate, debias, convert and plot word vectors",
	Long: `Word vectors in word2vec text, word2vec binary or GloVe text files, or fastText
models (.bin, read only: words outside the vocabulary get fastText's vector
from their character n-grams); the format is detected when reading and .gz
files are decompressed. gensim's native .kv/.model pickles are not read: save
them with save_word2vec_format.`,
}

func init() {
	rootCmd.AddCommand(vectorsCmd)
	vectorsCmd.AddCommand(newVecSimilarCmd(), newVecAnalogyCmd(), newVecSimilarityCmd(), newVecDoesntMatchCmd(),
		newVecEvalCmd(), newVecDebiasCmd(), newVecConvertCmd(), newVecPlotCmd())
}

// vecSource is the --vectors/--format flag pair shared by the subcommands.
type vecSource struct {
	path, format string
}

func (s *vecSource) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&s.path, "vectors", "", "vector file (word2vec text/binary, GloVe, or fastText .bin; optionally .gz)")
	cmd.Flags().StringVar(&s.format, "format", "auto", "vector file format: auto, word2vec, word2vec-bin, glove or fasttext (.bin)")
	_ = cmd.MarkFlagRequired("vectors")
}

func (s *vecSource) load() (*vectors.Vectors, error) {
	f, err := vectors.ParseFormat(s.format)
	if err != nil {
		return nil, err
	}
	return vectors.LoadFormat(s.path, f)
}

// index loads the vectors and prepares queries with case-insensitive fallback.
func (s *vecSource) index() (*vectors.Index, error) {
	v, err := s.load()
	if err != nil {
		return nil, err
	}
	return vectors.NewIndex(v).IgnoreCase(), nil
}

// printNeighbors writes results as "word<TAB>score" lines or JSON.
func printNeighbors(w io.Writer, ns []vectors.Neighbor, asJSON bool) error {
	if asJSON {
		type item struct {
			Word  string  `json:"word"`
			Score float64 `json:"score"`
		}
		out := make([]item, len(ns))
		for i, n := range ns {
			out[i] = item{n.Word, float64(n.Score)}
		}
		return json.NewEncoder(w).Encode(out)
	}
	for _, n := range ns {
		fmt.Fprintf(w, "%s\t%.4f\n", n.Word, n.Score)
	}
	return nil
}

func newVecSimilarCmd() *cobra.Command {
	var src vecSource
	var k, restrict int
	var negative []string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "similar --vectors FILE WORD... [--negative WORD...]",
		Short: "Nearest words by cosine to the mean of the given words (minus --negative ones)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			x, err := src.index()
			if err != nil {
				return err
			}
			ns, err := x.MostSimilar(args, negative, k, restrict)
			if err != nil {
				return err
			}
			return printNeighbors(cmd.OutOrStdout(), ns, asJSON)
		},
	}
	src.register(cmd)
	cmd.Flags().IntVarP(&k, "top", "k", 10, "number of results")
	cmd.Flags().IntVar(&restrict, "restrict", 0, "search only the first N (most frequent) words; 0 = all")
	cmd.Flags().StringSliceVar(&negative, "negative", nil, "words to subtract")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newVecAnalogyCmd() *cobra.Command {
	var src vecSource
	var k, restrict int
	var method string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "analogy --vectors FILE A B C",
		Short: "Answer A is to B as C is to ? (3CosAdd or 3CosMul)",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := vectors.ParseMethod(method)
			if err != nil {
				return err
			}
			x, err := src.index()
			if err != nil {
				return err
			}
			ns, err := x.Analogy(args[0], args[1], args[2], m, k, restrict)
			if err != nil {
				return err
			}
			return printNeighbors(cmd.OutOrStdout(), ns, asJSON)
		},
	}
	src.register(cmd)
	cmd.Flags().IntVarP(&k, "top", "k", 5, "number of results")
	cmd.Flags().IntVar(&restrict, "restrict", 0, "search only the first N (most frequent) words; 0 = all")
	cmd.Flags().StringVar(&method, "method", "3cosadd", "3cosadd or 3cosmul")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newVecSimilarityCmd() *cobra.Command {
	var src vecSource
	cmd := &cobra.Command{
		Use:   "similarity --vectors FILE WORD1 WORD2",
		Short: "Cosine similarity of two words",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			x, err := src.index()
			if err != nil {
				return err
			}
			s, err := x.Similarity(args[0], args[1])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%.6f\n", s)
			return nil
		},
	}
	src.register(cmd)
	return cmd
}

func newVecDoesntMatchCmd() *cobra.Command {
	var src vecSource
	cmd := &cobra.Command{
		Use:   "doesnt-match --vectors FILE WORD...",
		Short: "The word farthest from the mean of the others",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			x, err := src.index()
			if err != nil {
				return err
			}
			odd, missing, err := x.DoesntMatch(args)
			if err != nil {
				return err
			}
			if len(missing) > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "ignoring unknown words: %s\n", strings.Join(missing, ", "))
			}
			fmt.Fprintln(cmd.OutOrStdout(), odd)
			return nil
		},
	}
	src.register(cmd)
	return cmd
}

// vecBar shows a progress bar on a terminal's stderr; otherwise a no-op.
type vecBar struct {
	bar  *progressbar.ProgressBar
	desc string
	on   bool
}

func newVecBar(desc string, quiet bool) *vecBar {
	return &vecBar{desc: desc, on: !quiet && term.IsTerminal(int(os.Stderr.Fd()))}
}

func (b *vecBar) update(done, total int) {
	if !b.on {
		return
	}
	if b.bar == nil {
		b.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(os.Stderr),
			progressbar.OptionSetDescription(b.desc),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	_ = b.bar.Set(done)
	if done >= total {
		_ = b.bar.Finish()
		b.bar = nil
	}
}

// jsonFloat encodes NaN (an undefined correlation) as null.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(f))
}

// vecSectionJSON is one analogy section in the eval JSON.
type vecSectionJSON struct {
	Section   string    `json:"section"`
	Correct   int       `json:"correct"`
	Incorrect int       `json:"incorrect"`
	OOV       int       `json:"oov"`
	Accuracy  jsonFloat `json:"accuracy"`
}

func sectionJSON(s vectors.SectionScore) vecSectionJSON {
	return vecSectionJSON{s.Name, s.Correct, s.Incorrect, s.OOV, jsonFloat(s.Accuracy())}
}

// vecAnalogyJSON is the analogy part of the eval and debias JSON.
type vecAnalogyJSON struct {
	File       string           `json:"file"`
	Method     string           `json:"method"`
	Restrict   int              `json:"restrict"`
	Total      jsonFloat        `json:"total"`
	Semantic   jsonFloat        `json:"semantic"`
	Syntactic  jsonFloat        `json:"syntactic"`
	Questions  int              `json:"questions"`
	OOV        int              `json:"oov"`
	OOVPercent jsonFloat        `json:"oov_percent"`
	Counts     []vecSectionJSON `json:"counts"` // total, semantic, syntactic
	Sections   []vecSectionJSON `json:"sections"`
}

func analogyJSON(file string, opt vectors.AnalogyOptions, r *vectors.AnalogyReport) *vecAnalogyJSON {
	out := &vecAnalogyJSON{
		File: file, Method: opt.Method.String(), Restrict: opt.Restrict,
		Total: jsonFloat(r.Total.Accuracy()), Semantic: jsonFloat(r.Semantic.Accuracy()), Syntactic: jsonFloat(r.Syntactic.Accuracy()),
		Questions: r.Questions, OOV: r.OOV, OOVPercent: jsonFloat(r.OOVPercent()),
		Counts: []vecSectionJSON{sectionJSON(r.Total), sectionJSON(r.Semantic), sectionJSON(r.Syntactic)},
	}
	for _, s := range r.Sections {
		out.Sections = append(out.Sections, sectionJSON(s))
	}
	return out
}

func printAnalogyReport(w io.Writer, file string, r *vectors.AnalogyReport) {
	fmt.Fprintf(w, "analogies %s\n", file)
	for _, s := range r.Sections {
		fmt.Fprintf(w, "  %-30s %6.2f%%  (%d/%d, %d OOV)\n", s.Name, 100*s.Accuracy(), s.Correct, s.Correct+s.Incorrect, s.OOV)
	}
	for _, s := range []vectors.SectionScore{r.Semantic, r.Syntactic, r.Total} {
		fmt.Fprintf(w, "  %-30s %6.2f%%  (%d/%d)\n", s.Name, 100*s.Accuracy(), s.Correct, s.Correct+s.Incorrect)
	}
	fmt.Fprintf(w, "  questions with OOV words: %d of %d (%.1f%%), skipped\n", r.OOV, r.Questions, r.OOVPercent())
}

// loadAnalogySet reads path, or the built-in Google set for "" / "google".
func loadAnalogySet(path string) (*vectors.AnalogySet, string, error) {
	if path == "" || path == "google" {
		s, err := vectors.GoogleAnalogies()
		return s, "google (built-in questions-words.txt)", err
	}
	s, err := vectors.LoadAnalogies(path)
	return s, path, err
}

type vecEvalFlags struct {
	src             vecSource
	analogy         string
	noAnalogy       bool
	restrict        int
	similarity      []string
	simRestrict     int
	method          string
	caseSensitive   bool
	dummy4unknown   bool
	asJSON          bool
	progressQuietly bool
}

func newVecEvalCmd() *cobra.Command {
	var f vecEvalFlags
	cmd := &cobra.Command{
		Use:   "eval --vectors FILE [--analogy FILE] [--restrict N] [--similarity FILE]... [--json]",
		Short: "Analogy accuracy and word-similarity correlations, counted like gensim 4",
		Long: `Evaluate word vectors like gensim 4's KeyedVectors.evaluate_word_analogies and
evaluate_word_pairs: words are matched upper-cased (the first case variant wins),
questions or pairs with a word outside the first --restrict words are skipped and
reported as OOV. Without --analogy the built-in Google analogy set is used.

--restrict defaults to 30,000, the convention of word2vec's compute-accuracy
and of the published Google-analogy figures; gensim's evaluate_word_analogies
defaults to restrict_vocab=300,000, so pass --restrict 300000 to compare with
gensim's defaults (and 0 for the whole vocabulary). --similarity-restrict
defaults to gensim's 300,000.
Similarity files hold "word1 word2 score" lines (tab or space separated, '#' comments).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runVecEval(cmd, &f) },
	}
	f.src.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.analogy, "analogy", "", "analogy file (default: built-in Google set)")
	fl.BoolVar(&f.noAnalogy, "no-analogy", false, "skip the analogy evaluation")
	fl.IntVar(&f.restrict, "restrict", 30000, "analogies: only the first N (most frequent) words (word2vec's 30,000; gensim's default is 300,000); 0 = all")
	fl.StringArrayVar(&f.similarity, "similarity", nil, "word-similarity file (repeatable)")
	fl.IntVar(&f.simRestrict, "similarity-restrict", 300000, "similarity: only the first N words (gensim's default); 0 = all")
	fl.StringVar(&f.method, "method", "3cosadd", "analogy method: 3cosadd (gensim) or 3cosmul")
	fl.BoolVar(&f.caseSensitive, "case-sensitive", false, "match words exactly instead of upper-cased")
	fl.BoolVar(&f.dummy4unknown, "dummy4unknown", false, "count OOV analogies as wrong and OOV pairs as similarity 0")
	fl.BoolVar(&f.asJSON, "json", false, "print JSON")
	fl.BoolVar(&f.progressQuietly, "quiet", false, "no progress bar")
	return cmd
}

func runVecEval(cmd *cobra.Command, f *vecEvalFlags) error {
	method, err := vectors.ParseMethod(f.method)
	if err != nil {
		return err
	}
	v, err := f.src.load()
	if err != nil {
		return err
	}
	x := vectors.NewIndex(v)
	out := cmd.OutOrStdout()
	type simJSON struct {
		File       string    `json:"file"`
		Spearman   jsonFloat `json:"spearman"`
		Pearson    jsonFloat `json:"pearson"`
		OOVPercent jsonFloat `json:"oov_percent"`
		Pairs      int       `json:"pairs"`
		OOV        int       `json:"oov"`
		Skipped    int       `json:"skipped_lines"`
	}
	result := struct {
		Vectors    string              `json:"vectors"`
		Words      int                 `json:"words"`
		Dim        int                 `json:"dim"`
		Analogy    *vecAnalogyJSON     `json:"analogy,omitempty"`
		Similarity map[string]*simJSON `json:"similarity,omitempty"`
	}{Vectors: f.src.path, Words: v.Len(), Dim: v.Dim}
	var set *vectors.AnalogySet
	var name string
	if !f.noAnalogy {
		if set, name, err = loadAnalogySet(f.analogy); err != nil {
			return err
		}
	}
	if !f.asJSON {
		fmt.Fprintf(out, "%s: %d words, dimension %d\n", f.src.path, v.Len(), v.Dim)
	}
	if !f.noAnalogy {
		bar := newVecBar("analogies", f.progressQuietly)
		opt := vectors.AnalogyOptions{Restrict: f.restrict, CaseSensitive: f.caseSensitive, Dummy4Unknown: f.dummy4unknown, Method: method, Progress: bar.update}
		rep, err := vectors.EvaluateAnalogies(cmd.Context(), x, set, opt)
		if err != nil {
			return err
		}
		result.Analogy = analogyJSON(name, opt, rep)
		if !f.asJSON {
			printAnalogyReport(out, name, rep)
		}
	}
	for _, path := range f.similarity {
		pairs, skipped, err := vectors.LoadWordPairs(path)
		if err != nil {
			return err
		}
		rep, err := vectors.EvaluateWordPairs(x, pairs, vectors.PairsOptions{Restrict: f.simRestrict, CaseSensitive: f.caseSensitive, Dummy4Unknown: f.dummy4unknown})
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if result.Similarity == nil {
			result.Similarity = map[string]*simJSON{}
		}
		result.Similarity[filepath.Base(path)] = &simJSON{path, jsonFloat(rep.Spearman), jsonFloat(rep.Pearson), jsonFloat(rep.OOVPercent), rep.Pairs, rep.OOV, len(skipped)}
		if !f.asJSON {
			fmt.Fprintf(out, "similarity %s: spearman %.4f  pearson %.4f  (%d pairs, %d OOV = %.1f%%, %d lines skipped)\n",
				filepath.Base(path), rep.Spearman, rep.Pearson, rep.Pairs, rep.OOV, rep.OOVPercent, len(skipped))
		}
	}
	if f.asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(result)
	}
	return nil
}

type vecDebiasFlags struct {
	src          vecSource
	out          string
	outFormat    string
	lists        string
	seed         bool
	restrict     int
	analogy      string
	noAnalogy    bool
	evalRestrict int
	asJSON       bool
	quiet        bool
}

func newVecDebiasCmd() *cobra.Command {
	var f vecDebiasFlags
	cmd := &cobra.Command{
		Use:   "debias --vectors FILE --out FILE [--lists DIR] [--json]",
		Short: "Hard-debias word vectors (Bolukbasi et al. 2016) and report direct bias and analogy accuracy",
		Long: `Remove the gender direction (first principal component of the definitional pairs'
differences) from every word not in the gender-specific list, equalize the
equalize pairs, and write unit-length vectors. Reports direct bias (mean |cos(w, g)|
over professions) and analogy accuracy before and after. Without --lists the
built-in lists of the debiaswe repository are used.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runVecDebias(cmd, &f) },
	}
	f.src.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", "", "output vector file")
	fl.StringVar(&f.outFormat, "out-format", "", "output format (default: from the --out name: .bin binary, else word2vec text)")
	fl.StringVar(&f.lists, "lists", "", "directory with definitional_pairs.json, equalize_pairs.json, gender_specific_full.json, professions.json (default: built-in)")
	fl.BoolVar(&f.seed, "seed-list", false, "use gender_specific_seed.json instead of gender_specific_full.json")
	fl.IntVar(&f.restrict, "restrict", 0, "neutralize only the first N (most frequent) words; 0 = all")
	fl.StringVar(&f.analogy, "analogy", "", "analogy file for the before/after accuracy (default: built-in Google set)")
	fl.BoolVar(&f.noAnalogy, "no-analogy", false, "skip the analogy evaluation")
	fl.IntVar(&f.evalRestrict, "eval-restrict", 30000, "analogy evaluation on the first N words")
	fl.BoolVar(&f.asJSON, "json", false, "print JSON")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress bar")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

func runVecDebias(cmd *cobra.Command, f *vecDebiasFlags) error {
	format := vectors.FormatFromPath(f.out)
	if f.outFormat != "" {
		var err error
		if format, err = vectors.ParseFormat(f.outFormat); err != nil {
			return err
		}
	}
	var lists *vectors.DebiasLists
	var err error
	if f.lists == "" {
		lists, err = vectors.BuiltinDebiasLists(f.seed)
	} else {
		lists, err = vectors.LoadDebiasLists(f.lists, f.seed)
	}
	if err != nil {
		return err
	}
	if st, err := os.Stat(filepath.Dir(f.out)); err != nil || !st.IsDir() {
		return fmt.Errorf("--out %s: directory %s does not exist", f.out, filepath.Dir(f.out))
	}
	v, err := f.src.load()
	if err != nil {
		return err
	}
	deb, rep, err := vectors.Debias(v, lists, vectors.DebiasOptions{Restrict: f.restrict})
	if err != nil {
		return err
	}
	type abJSON struct {
		Before *vecAnalogyJSON `json:"before"`
		After  *vecAnalogyJSON `json:"after"`
	}
	result := struct {
		Vectors          string      `json:"vectors"`
		Out              string      `json:"out"`
		DirectBiasBefore jsonFloat   `json:"direct_bias_before"`
		DirectBiasAfter  jsonFloat   `json:"direct_bias_after"`
		Professions      int         `json:"professions_found"`
		Definitional     int         `json:"definitional_pairs_used"`
		Neutralized      int         `json:"neutralized"`
		Equalized        int         `json:"equalized"`
		Explained        []jsonFloat `json:"explained_variance"`
		Analogy          *abJSON     `json:"analogy,omitempty"`
	}{Vectors: f.src.path, Out: f.out, DirectBiasBefore: jsonFloat(rep.DirectBiasBefore), DirectBiasAfter: jsonFloat(rep.DirectBiasAfter),
		Professions: rep.ProfessionsFound, Definitional: rep.DefinitionalUsed, Neutralized: rep.Neutralized, Equalized: rep.Equalized}
	for _, e := range rep.Explained {
		result.Explained = append(result.Explained, jsonFloat(e))
	}
	if !f.noAnalogy {
		set, name, err := loadAnalogySet(f.analogy)
		if err != nil {
			return err
		}
		opt := vectors.AnalogyOptions{Restrict: f.evalRestrict}
		var reps [2]*vectors.AnalogyReport
		for i, vv := range []*vectors.Vectors{v, deb} {
			opt.Progress = newVecBar([]string{"analogies before", "analogies after"}[i], f.quiet).update
			if reps[i], err = vectors.EvaluateAnalogies(cmd.Context(), vectors.NewIndex(vv), set, opt); err != nil {
				return err
			}
		}
		result.Analogy = &abJSON{analogyJSON(name, opt, reps[0]), analogyJSON(name, opt, reps[1])}
	}
	if err := vectors.Save(f.out, deb, format); err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if f.asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(result)
	}
	fmt.Fprintf(out, "bias direction from %d definitional pairs (first component explains %.1f%% of their variance)\n",
		rep.DefinitionalUsed, 100*rep.Explained[0])
	fmt.Fprintf(out, "neutralized %d words, equalized %d pairs\n", rep.Neutralized, rep.Equalized)
	fmt.Fprintf(out, "direct bias over %d professions: %.4f -> %.4f\n", rep.ProfessionsFound, rep.DirectBiasBefore, rep.DirectBiasAfter)
	if a := result.Analogy; a != nil {
		fmt.Fprintf(out, "analogy accuracy (%s, first %d words): total %.2f%% -> %.2f%%, semantic %.2f%% -> %.2f%%, syntactic %.2f%% -> %.2f%%\n",
			a.Before.File, f.evalRestrict, 100*a.Before.Total, 100*a.After.Total, 100*a.Before.Semantic, 100*a.After.Semantic,
			100*a.Before.Syntactic, 100*a.After.Syntactic)
	}
	fmt.Fprintf(out, "wrote %s (%v)\n", f.out, format)
	return nil
}

func newVecConvertCmd() *cobra.Command {
	var in, out, from, to string
	var limit int
	cmd := &cobra.Command{
		Use:   "convert --in FILE --out FILE [--to FORMAT] [--limit N]",
		Short: "Convert between word2vec text, word2vec binary and GloVe text",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ff, err := vectors.ParseFormat(from)
			if err != nil {
				return err
			}
			tf := vectors.FormatFromPath(out)
			if to != "" {
				if tf, err = vectors.ParseFormat(to); err != nil {
					return err
				}
			}
			if tf == vectors.FormatAuto {
				return fmt.Errorf("--to: give an output format (word2vec, word2vec-bin or glove)")
			}
			v, err := vectors.LoadFormat(in, ff)
			if err != nil {
				return err
			}
			if limit > 0 && limit < v.Len() {
				v = &vectors.Vectors{Words: v.Words[:limit], Dim: v.Dim, Data: v.Data[:limit*v.Dim]}
			}
			if err := vectors.Save(out, v, tf); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d vectors of dimension %d to %s (%v)\n", v.Len(), v.Dim, out, tf)
			return nil
		},
	}
	cmd.Flags().StringVar(&in, "in", "", "input vector file")
	cmd.Flags().StringVar(&out, "out", "", "output vector file (.gz to compress)")
	cmd.Flags().StringVar(&from, "from", "auto", "input format: auto, word2vec, word2vec-bin or glove")
	cmd.Flags().StringVar(&to, "to", "", "output format (default: from the --out name: .bin binary, 'glove' in the name GloVe, else word2vec text)")
	cmd.Flags().IntVar(&limit, "limit", 0, "keep only the first N words")
	_ = cmd.MarkFlagRequired("in")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

func newVecPlotCmd() *cobra.Command {
	var src vecSource
	var words []string
	var out, title string
	var width, height float64
	cmd := &cobra.Command{
		Use:   "plot --vectors FILE --words a,b,c --out x.png",
		Short: "Plot chosen words on the first two principal components of their vectors",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			x, err := src.index()
			if err != nil {
				return err
			}
			known, xy, missing, err := x.Project2D(words)
			if err != nil {
				return err
			}
			if len(missing) > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "ignoring unknown words: %s\n", strings.Join(missing, ", "))
			}
			if title == "" {
				title = "PCA of " + filepath.Base(src.path)
			}
			if err := vectors.SavePlot(out, title, known, xy, width, height); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d words)\n", out, len(known))
			return nil
		},
	}
	src.register(cmd)
	cmd.Flags().StringSliceVar(&words, "words", nil, "words to plot (comma-separated or repeated)")
	cmd.Flags().StringVar(&out, "out", "words.png", "output image (.png, .svg, .pdf)")
	cmd.Flags().StringVar(&title, "title", "", "plot title")
	cmd.Flags().Float64Var(&width, "width", 16, "width in cm")
	cmd.Flags().Float64Var(&height, "height", 12, "height in cm")
	_ = cmd.MarkFlagRequired("words")
	return cmd
}
