// Command kube-proxy is upstream's kube-proxy (k8s.io/kubernetes/cmd/kube-proxy), built from
// the module version in ../../go.mod: Service routing (iptables mode) on the e2e node. Same
// main and blank imports as upstream.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // for JSON log format registration
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // for client metric registration
	_ "k8s.io/component-base/metrics/prometheus/version"  // for version metric registration
	"k8s.io/kubernetes/cmd/kube-proxy/app"
)

func main() {
	command := app.NewProxyCommand()
	code := cli.Run(command)
	os.Exit(code)
}
