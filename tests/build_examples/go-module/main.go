// A Go module with no requirements (the test machine reaches no Go module proxy).
package main

import "fmt"

func main() {
	fmt.Println("hello")
}
