package main

import (
	"fmt"
	"os"
)

func main() {
	data, err := os.ReadFile(os.Getenv("REPORT_INPUT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%d bytes\n", len(data))
}
