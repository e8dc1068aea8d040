package seq2seq

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWriteDateFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dates")
	from := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	d, err := WriteDateFiles(context.Background(), dir, DateOptions{N: 50, Seed: 7, From: from})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(d)
	want := `{"files":["` + dir + `/train.tsv","` + dir + `/dev.tsv","` + dir + `/test.tsv"],"from":"1990-01-01","n":50,"seed":7,"to":"2999-12-31"}`
	if string(b) != want {
		t.Errorf("DateFiles JSON\n%s, want\n%s", b, want)
	}
	var text strings.Builder
	d.WriteText(&text)
	if text.String() != strings.Join(d.Files, "\n")+"\n" {
		t.Errorf("WriteText = %q", text.String())
	}
	if _, err := WriteDateFiles(context.Background(), dir, DateOptions{N: 50, From: DefaultDateTo, To: DefaultDateFrom}); err == nil {
		t.Errorf("a reversed range: nil error")
	}
}
