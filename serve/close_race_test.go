package serve

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestCloseWaitsForARequestBeingAdmitted: Close, called while a request
// is between the shutdown check and being counted in flight, must not
// return before that request is counted, or it would stop the generation
// loops under a request it never waited for. The request here holds its
// admission until Close returns or 200ms pass (a correct server blocks
// Close meanwhile, so the wait always runs out; the broken one let Close
// return at once).
func TestCloseWaitsForARequestBeingAdmitted(t *testing.T) {
	s := New(Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	s.Ready()
	closed := make(chan struct{})
	var once sync.Once
	s.admitting = func() {
		once.Do(func() {
			go func() {
				if err := s.Close(context.Background()); err != nil {
					t.Error(err)
				}
				close(closed)
			}()
			select {
			case <-closed:
			case <-time.After(200 * time.Millisecond):
			}
		})
	}
	var closedFirst bool
	s.hook = func(string) {
		select {
		case <-closed:
			closedFirst = true
		default:
		}
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/models", nil))
	<-closed
	if closedFirst {
		t.Errorf("Close returned before the request it raced was admitted (answer %d)", w.Code)
	}
	if w.Code != http.StatusOK {
		t.Errorf("the request admitted before Close: %d %s", w.Code, w.Body)
	}
	w = httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/models", nil))
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("after Close: %d", w.Code)
	}
}
