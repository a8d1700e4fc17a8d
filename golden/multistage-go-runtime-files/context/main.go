package main

import (
	"html/template"
	"log"
	"net/http"
	"os"

	"example.com/guestbook/internal/store"
)

// Pages are parsed at start-up; "static" is served as it is.
var pages = template.Must(template.ParseGlob("templates/*.html"))

func main() {
	settings, err := os.ReadFile("/etc/guestbook/app.toml")
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("settings: %d bytes", len(settings))
	entries := store.New()
	http.Handle("/static/", http.StripPrefix("/static/", http.FileServer(http.Dir("static"))))
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		pages.ExecuteTemplate(w, "index.html", entries.All())
	})
	log.Fatal(http.ListenAndServe(":8080", nil))
}
