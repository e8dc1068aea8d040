package serve

import (
	"embed"
	"net/http"
)

// web holds the page served at /: plain HTML, CSS and JavaScript, nothing
// fetched from elsewhere.
//
//go:embed web/index.html
var web embed.FS

func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) error {
	b, err := web.ReadFile("web/index.html")
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(b)
	return err
}
