// Command etcd is upstream's etcd server (go.etcd.io/etcd/server/v3), at the version in
// go.mod. Same main as upstream's server/main.go.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
