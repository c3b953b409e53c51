package main

import "github.com/urfave/cli/v2"

// tlsCommand groups the commands that make the cluster's certificates, as
// `nomad tls` does.
func tlsCommand() *cli.Command {
	return &cli.Command{
		Name:  "tls",
		Usage: "create the cluster's CA and the certificates of its daemons and users",
		Subcommands: []*cli.Command{
			{Name: "ca", Usage: "the cluster CA", Subcommands: []*cli.Command{tlsCACreateCommand()}},
			{Name: "cert", Usage: "certificates signed by the cluster CA", Subcommands: []*cli.Command{tlsCertCreateCommand()}},
		},
	}
}
