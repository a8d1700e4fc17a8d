// A Go program that reads its template from the image at run time, so the
// split's runtime stage works only if it copied templates/ beside the binary.
package main

import (
	"os"
	"text/template"
)

func main() {
	greeting := template.Must(template.ParseFiles("templates/greeting.tmpl"))
	if err := greeting.Execute(os.Stdout, map[string]string{"Name": "dockerfix"}); err != nil {
		os.Exit(1)
	}
}
