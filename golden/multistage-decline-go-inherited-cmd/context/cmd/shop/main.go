package main

import (
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/google/uuid"
)

func main() {
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	http.HandleFunc("/order", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, uuid.NewString())
	})
	log.Fatal(http.ListenAndServe(":"+os.Getenv("PORT"), nil))
}
