// A URL shortener kept in memory: POST /shorten?url=..., GET /{code}.
package main

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"sync"
)

type store struct {
	mu    sync.RWMutex
	links map[string]string
}

func (s *store) shorten(w http.ResponseWriter, r *http.Request) {
	target := r.URL.Query().Get("url")
	if target == "" || r.Method != http.MethodPost {
		http.Error(w, "POST /shorten?url=...", http.StatusBadRequest)
		return
	}
	sum := sha1.Sum([]byte(target))
	code := hex.EncodeToString(sum[:])[:7]
	s.mu.Lock()
	s.links[code] = target
	s.mu.Unlock()
	fmt.Fprintln(w, code)
}

func (s *store) resolve(w http.ResponseWriter, r *http.Request) {
	code := strings.TrimPrefix(r.URL.Path, "/")
	s.mu.RLock()
	target, ok := s.links[code]
	s.mu.RUnlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	http.Redirect(w, r, target, http.StatusFound)
}

func main() {
	s := &store{links: map[string]string{}}
	http.HandleFunc("/shorten", s.shorten)
	http.HandleFunc("/", s.resolve)
	addr := ":" + getenv("PORT", "8080")
	log.Printf("listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, nil))
}

func getenv(key, fallback string) string {
	if value := os.Getenv(key); value != "" {
		return value
	}
	return fallback
}
