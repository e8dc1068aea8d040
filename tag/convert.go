package tag

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Reencode converts the tags of sents, read from name with
// ReadOptions{TagColumn: col, KeepDocStart: true}, to the scheme named to
// ("iob1", "iob2" or "iobes"), in Tags and in each row's tag column of
// Fields; -DOCSTART- lines are left as they are, and a tag that is not a
// chunk tag (O or B-/I-/E-/S-TYPE) is an error. With from not "", each
// sentence is first validated against that scheme and the first violation
// is returned as "name:line: ...".
func Reencode(sents []Sentence, name string, col int, from, to string) error {
	target, err := ParseScheme(to)
	if err != nil {
		return err
	}
	src := target
	if from != "" {
		if src, err = ParseScheme(from); err != nil {
			return err
		}
	}
	if target == Plain || src == Plain {
		return fmt.Errorf("tag: plain tags are classes, not chunks: there is nothing to convert to or from scheme plain")
	}
	for i := range sents {
		s := &sents[i]
		if len(s.Fields) == 1 && s.Tokens[0] == DocStart {
			continue
		}
		if err := checkChunkTags(sents[i:i+1], name); err != nil {
			return err
		}
		if from != "" {
			if err := Validate(s.Tags, src); err != nil {
				var se *SchemeError
				if errors.As(err, &se) {
					return fmt.Errorf("%s:%d: %w", name, s.Line+se.Index, err)
				}
				return err
			}
		}
		s.Tags = Convert(s.Tags, target)
		for k, row := range s.Fields {
			c, err := column(col, len(row), true)
			if err != nil {
				return fmt.Errorf("%s:%d: tag column: %w", name, s.Line+k, err)
			}
			row[c] = s.Tags[k]
		}
	}
	return nil
}

// TagCoNLL tags sentences read from a column file (TagSentences; name is
// used in errors) and returns them with the entities their tags mark.
func (m *Model) TagCoNLL(ctx context.Context, sents []Sentence, name string, batch int) ([]Tagged, error) {
	pred, err := m.TagSentences(ctx, sents, name, batch)
	if err != nil {
		return nil, err
	}
	out := make([]Tagged, len(sents))
	for i, s := range sents {
		out[i] = Tagged{Tokens: s.Tokens, Tags: pred[i], Entities: Entities(s.Tokens, pred[i])}
	}
	return out, nil
}

// WriteTagged writes tagged sentences: with asJSON one JSON object per
// sentence, otherwise as WritePredicted writes sents (the column file they
// were tagged from; nil: the tagged tokens alone, one "token tag" row
// each).
func WriteTagged(w io.Writer, tagged []Tagged, sents []Sentence, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		for _, t := range tagged {
			if err := enc.Encode(t); err != nil {
				return err
			}
		}
		return nil
	}
	if sents == nil {
		sents = make([]Sentence, len(tagged))
		for i, t := range tagged {
			sents[i].Tokens = t.Tokens
		}
	}
	pred := make([][]string, len(tagged))
	for i, t := range tagged {
		pred[i] = t.Tags
	}
	return WritePredicted(w, sents, pred)
}

// ScoreReport is conlleval's report as `recurrent tag score` gives it:
// as JSON (percentages 0..100, phrase counts named as such) or as
// conlleval's text (WriteText).
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type ScoreReport struct {
	Precision float64          `json:"precision"`
	Recall    float64          `json:"recall"`
	F1        float64          `json:"f1"`
	Accuracy  float64          `json:"accuracy"`
	Tokens    int              `json:"tokens"`
	Gold      int              `json:"gold_phrases"`
	Found     int              `json:"found_phrases"`
	Correct   int              `json:"correct_phrases"`
	PerType   map[string]Score `json:"per_type"`

	m Metrics
}

// ScoreReport returns r's figures as a ScoreReport.
func (r Metrics) ScoreReport() *ScoreReport {
	return &ScoreReport{r.Precision, r.Recall, r.F1, r.Accuracy, r.Tokens, r.Gold, r.Found, r.Correct, r.PerType, r}
}

// WriteText writes conlleval's text report (Metrics.WriteConlleval).
func (s *ScoreReport) WriteText(w io.Writer) error { return s.m.WriteConlleval(w) }

// WriteText writes conlleval's text report (WriteConlleval).
func (r *Metrics) WriteText(w io.Writer) error { return r.WriteConlleval(w) }
