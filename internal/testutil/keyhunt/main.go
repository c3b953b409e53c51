// Command keyhunt is what a hostile job does on a node: it tries to read
// every file named in a list (the test lists every file the NodeManager's
// user can read) and prints, base64-encoded, each it could read, then its
// own uid and environment, for the test to search for the cluster's keys.
package main

import (
	"bufio"
	"encoding/base64"
	"flag"
	"fmt"
	"os"
)

// maxFile bounds what is printed of one file: keys are small.
const maxFile = 1 << 20

func main() {
	list := flag.String("list", "", "file with one path to try per line")
	flag.Parse()
	fmt.Printf("UID %d\n", os.Getuid())
	f, err := os.Open(*list)
	if err != nil {
		fmt.Printf("LIST-ERROR %v\n", err)
		os.Exit(2)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	tried, read := 0, 0
	for sc.Scan() {
		path := sc.Text()
		tried++
		fi, err := os.Stat(path)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		raw, err := readAtMost(path)
		if err != nil {
			continue
		}
		read++
		fmt.Printf("READ %s %s\n", base64.StdEncoding.EncodeToString([]byte(path)), base64.StdEncoding.EncodeToString(raw))
	}
	for _, kv := range os.Environ() {
		fmt.Printf("ENV %s\n", base64.StdEncoding.EncodeToString([]byte(kv)))
	}
	fmt.Printf("DONE tried %d read %d\n", tried, read)
}

func readAtMost(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, maxFile)
	n, _ := f.Read(buf)
	return buf[:n], nil
}
