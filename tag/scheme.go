package tag

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/recurrent-go/recurrent/internal/enum"
)

// Scheme is a tagging scheme: one of the chunk schemes (IOB1, IOB2,
// IOBES), whose tags mark spans, or Plain, whose tags are classes.
//
// A value type: safe for concurrent use.
type Scheme int

const (
	// IOB1 tags every chunk token I-TYPE and uses B-TYPE only for the first
	// token of a chunk that directly follows a chunk of the same type (the
	// original CoNLL-2003 files).
	IOB1 Scheme = iota
	// IOB2 (BIO) tags the first token of every chunk B-TYPE and the rest
	// I-TYPE.
	IOB2
	// IOBES is IOB2 with E-TYPE on the last token of multi-token chunks and
	// S-TYPE on single-token chunks.
	IOBES
	// Plain tags are classes of single tokens with no chunk structure:
	// part-of-speech tags ("NN", "VBD"), or bare types ("PER", "O"). They
	// are learned and predicted as they are, without transition rules,
	// and scored as conlleval -r scores them: every tag but O is a
	// one-token chunk of its type.
	Plain
)

// schemeNames are the names of the schemes; ParseScheme ignores case.
var schemeNames = enum.Names[Scheme]{Pkg: "tag", What: "scheme", Type: "Scheme",
	Names:   []string{IOB1: "iob1", IOB2: "iob2", IOBES: "iobes", Plain: "plain"},
	Aliases: map[string]Scheme{"iob": IOB1, "bio": IOB2, "bioes": IOBES, "raw": Plain}, Fold: true}

// String returns the scheme's name: "iob1", "iob2", "iobes" or "plain".
func (s Scheme) String() string { return schemeNames.String(s) }

// ParseScheme parses a scheme name (case-insensitive): iob1 (or iob), iob2
// (or bio), iobes (or bioes), plain (or raw).
func ParseScheme(name string) (Scheme, error) { return schemeNames.Parse(name) }

// Split splits a tag at its first hyphen into prefix and type, as conlleval
// does ("B-PER" -> "B", "PER"; "I-ORG-X" -> "I", "ORG-X"; "O" -> "O", "").
func Split(t string) (prefix, typ string) {
	if i := strings.IndexByte(t, '-'); i >= 0 {
		return t[:i], t[i+1:]
	}
	return t, ""
}

// Chunk is a contiguous span of tokens [Start, End) labelled Type.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Chunk struct {
	Type  string `json:"type"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// endOfChunk reports whether a chunk ends between a token tagged
// prevTag-prevType and the next one tagged tag-typ. It is conlleval's
// endOfChunk extended with S- (single-token chunk) tags and E- followed by
// B-; on input without S- tags and without E- directly followed by B- it
// is identical to the original.
func endOfChunk(prevTag, tag, prevType, typ string) bool {
	end := false
	switch prevTag {
	case "B", "I":
		end = tag == "B" || tag == "O" || tag == "S"
	case "E", "S":
		end = tag == "B" || tag == "I" || tag == "O" || tag == "E" || tag == "S"
	}
	if prevTag != "O" && prevTag != "." && prevType != typ {
		end = true
	}
	if prevTag == "]" || prevTag == "[" {
		end = true
	}
	return end
}

// startOfChunk reports whether a chunk starts at a token tagged tag-typ
// that follows one tagged prevTag-prevType (conlleval's startOfChunk with
// the same S-/E- extension as endOfChunk).
func startOfChunk(prevTag, tag, prevType, typ string) bool {
	start := false
	switch tag {
	case "B", "S":
		start = prevTag == "B" || prevTag == "I" || prevTag == "O" || prevTag == "E" || prevTag == "S"
	case "I", "E":
		start = prevTag == "O" || prevTag == "E" || prevTag == "S"
	}
	if tag != "O" && tag != "." && prevType != typ {
		start = true
	}
	if tag == "[" || tag == "]" {
		start = true
	}
	return start
}

// Chunks extracts the chunks of a tag sequence with conlleval's rules, which
// accept IOB1, IOB2 and IOBES (and mixtures) leniently: an I- tag after O or
// after a different type starts a chunk, a type change ends one.
func Chunks(tags []string) []Chunk {
	var out []Chunk
	prevTag, prevType := "O", ""
	open := -1
	for i, t := range tags {
		p, typ := Split(t)
		if open >= 0 && (endOfChunk(prevTag, p, prevType, typ) || startOfChunk(prevTag, p, prevType, typ)) {
			out = append(out, Chunk{Type: prevTypeOf(tags[open]), Start: open, End: i})
			open = -1
		}
		if startOfChunk(prevTag, p, prevType, typ) {
			open = i
		}
		prevTag, prevType = p, typ
	}
	if open >= 0 {
		out = append(out, Chunk{Type: prevTypeOf(tags[open]), Start: open, End: len(tags)})
	}
	return out
}

func prevTypeOf(t string) string {
	_, typ := Split(t)
	return typ
}

// Encode writes chunks over n tokens as tags in scheme s; tokens outside
// every chunk get "O". Chunks must be sorted and non-overlapping. In
// Plain, every token of a chunk is tagged with its bare type.
func Encode(chunks []Chunk, n int, s Scheme) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "O"
	}
	for k, c := range chunks {
		for i := c.Start; i < c.End; i++ {
			out[i] = "I-" + c.Type
			if s == Plain {
				out[i] = c.Type
			}
		}
		switch s {
		case IOB1:
			if k > 0 && chunks[k-1].End == c.Start && chunks[k-1].Type == c.Type {
				out[c.Start] = "B-" + c.Type
			}
		case IOB2:
			out[c.Start] = "B-" + c.Type
		case IOBES:
			if c.End-c.Start == 1 {
				out[c.Start] = "S-" + c.Type
			} else {
				out[c.Start] = "B-" + c.Type
				out[c.End-1] = "E-" + c.Type
			}
		}
	}
	return out
}

// Convert re-encodes a tag sequence in scheme to. The input may be in any
// chunk scheme; its chunks are read leniently as Chunks does. Plain tags
// are classes, not chunks: Convert to Plain returns a copy of the tags as
// they are.
func Convert(tags []string, to Scheme) []string {
	if to == Plain {
		return slices.Clone(tags)
	}
	return Encode(Chunks(tags), len(tags), to)
}

// SchemeError reports the first tag that breaks a scheme's rules.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type SchemeError struct {
	Scheme Scheme
	Index  int    // 0-based token position
	Tag    string // the offending tag
	Reason string
}

// Error implements error.
func (e *SchemeError) Error() string {
	return fmt.Sprintf("tag %d %q is not valid %s: %s", e.Index, e.Tag, e.Scheme, e.Reason)
}

// Validate checks that tags follow scheme s strictly: in a chunk scheme
// every tag is O or PREFIX-TYPE with a prefix the scheme allows, and
// prefixes follow each other as the scheme requires; in Plain every tag is
// a non-empty word. It returns a *SchemeError for the first violation, or
// nil.
func Validate(tags []string, s Scheme) error {
	bad := func(i int, why string) error {
		return &SchemeError{Scheme: s, Index: i, Tag: tags[i], Reason: why}
	}
	if s == Plain {
		for i, t := range tags {
			if t == "" || strings.ContainsFunc(t, unicode.IsSpace) {
				return bad(i, "a plain tag is a non-empty word")
			}
		}
		return nil
	}
	prevP, prevT := "O", ""
	for i, t := range tags {
		p, typ := Split(t)
		if p == "O" {
			if typ != "" {
				return bad(i, "O takes no type")
			}
		} else if typ == "" {
			return bad(i, "want PREFIX-TYPE or O")
		}
		inside := prevP != "O" && prevT == typ // previous token is in a chunk of this type
		switch s {
		case IOB1, IOB2:
			// Both take O, B- and I-; IOB1's B- and IOB2's I- must follow
			// a chunk of their type.
			switch {
			case p != "O" && p != "B" && p != "I":
				return bad(i, "prefix must be B or I")
			case s == IOB1 && p == "B" && !inside:
				return bad(i, "B- only after a chunk of the same type")
			case s == IOB2 && p == "I" && !inside:
				return bad(i, "I- must continue a chunk of the same type")
			}
		case IOBES:
			open := (prevP == "B" || prevP == "I") // a chunk waits for I- or E-
			switch p {
			case "O", "B", "S":
				if open {
					return bad(i, "previous chunk not closed with E-")
				}
			case "I", "E":
				if !open || prevT != typ {
					return bad(i, p+"- must continue B-/I- of the same type")
				}
			default:
				return bad(i, "prefix must be B, I, E or S")
			}
		default:
			return fmt.Errorf("tag: unknown scheme %d", int(s))
		}
		prevP, prevT = p, typ
	}
	if s == IOBES && (prevP == "B" || prevP == "I") {
		return &SchemeError{Scheme: s, Index: len(tags) - 1, Tag: tags[len(tags)-1], Reason: "sequence ends inside a chunk (want E- or S-)"}
	}
	return nil
}

// isChunkTag reports whether t is B-, I-, E- or S- and a type.
func isChunkTag(t string) bool {
	p, typ := Split(t)
	return typ != "" && (p == "B" || p == "I" || p == "E" || p == "S")
}

// checkChunkTags returns an error naming the file name and line of the
// first tag of sents that is neither O nor B-, I-, E- or S-TYPE. Other
// tags (part-of-speech tags, bare types, BILOU's L- and U-) mark no chunks
// by conlleval's rules, so Convert would turn them all into O.
func checkChunkTags(sents []Sentence, name string) error {
	for _, s := range sents {
		if isDocStart(&s) {
			continue // a document marker kept for scoring ("-X-" in a chunk column), not a token
		}
		for k, t := range s.Tags {
			if t != "O" && !isChunkTag(t) {
				return fmt.Errorf("%s:%d: tag %q is not a chunk tag (O, or B-, I-, E- or S- and a type) of scheme iob1, iob2 or iobes; scheme plain learns tags as classes (part-of-speech tags, bare types)", name, s.Line+k, t)
			}
		}
	}
	return nil
}

// DetectScheme guesses the scheme of tag sequences: Plain if some tag is
// neither O nor a chunk tag (B-, I-, E- or S- and a type) and none is a
// chunk tag (a mixture is read as chunks, so that training names the odd
// tag); otherwise IOBES if any E- or S- tag occurs, IOB1 if some chunk
// begins with I- (after O, at the start, or after a different type),
// otherwise IOB2.
func DetectScheme(seqs [][]string) Scheme {
	chunk, other := false, false
	for _, tags := range seqs {
		for _, t := range tags {
			if isChunkTag(t) {
				chunk = true
			} else if t != "O" {
				other = true
			}
		}
	}
	if other && !chunk {
		return Plain
	}
	iob1 := false
	for _, tags := range seqs {
		prevP, prevT := "O", ""
		for _, t := range tags {
			p, typ := Split(t)
			if p == "E" || p == "S" {
				return IOBES
			}
			if p == "I" && (prevP == "O" || prevT != typ) {
				iob1 = true
			}
			prevP, prevT = p, typ
		}
	}
	if iob1 {
		return IOB1
	}
	return IOB2
}
