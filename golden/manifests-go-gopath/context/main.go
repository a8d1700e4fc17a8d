package main

import "github.com/example/words"

func main() { println(words.Hello()) }
