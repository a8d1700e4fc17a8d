module example.com/greeter

go 1.22

require github.com/example/words v1.2.0
