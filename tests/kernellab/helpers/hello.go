// hello: the smallest Go program, built static (CGO_ENABLED=0) for the kernel lab, to measure what
// a Go binary commits at start. With the argument "hold" it stays 3 seconds so its maps can be read.
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	fmt.Println("hello")
	if len(os.Args) > 1 && os.Args[1] == "hold" {
		time.Sleep(3 * time.Second)
	}
}
