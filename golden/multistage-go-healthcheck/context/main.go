package main

import (
	"fmt"
	"net/http"
	"time"
)

func main() {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, time.Now().In(paris).Format(time.RFC3339))
	})
	_ = http.ListenAndServe(":8080", nil)
}
