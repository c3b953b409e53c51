package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/spindlehq/spindle/pki"
	"github.com/urfave/cli/v2"
)

// tlsCACreateCommand is `spindle tls ca create`: a new cluster CA.
func tlsCACreateCommand() *cli.Command {
	return &cli.Command{
		Name:  "create",
		Usage: "create a cluster CA: " + pki.CAFile + " and " + pki.CAKeyFile,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Value: ".", Usage: "write the files into `DIR`"},
			&cli.StringFlag{Name: "common-name", Value: "Spindle cluster CA", Usage: "the CA's `NAME`"},
			&cli.IntFlag{Name: "days", Value: int(pki.DefaultCAValidity / (24 * time.Hour)), Usage: "how many `DAYS` the CA is valid"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("tls ca create takes no arguments, got %q: use --dir", c.Args().Slice())
			}
			if c.Int("days") < 1 {
				return fmt.Errorf("--days %d: want at least 1", c.Int("days"))
			}
			ca, err := pki.NewCA(c.String("common-name"), time.Duration(c.Int("days"))*24*time.Hour)
			if err != nil {
				return err
			}
			keyPEM, err := ca.KeyPEM()
			if err != nil {
				return err
			}
			dir := c.String("dir")
			certPath, keyPath, err := pki.WritePair(dir, pki.CAFile, ca.CertPEM(), keyPEM, false)
			if err != nil {
				return err
			}
			if keyPath != filepath.Join(dir, pki.CAKeyFile) {
				return fmt.Errorf("wrote the CA key to %s, expected %s", keyPath, pki.CAKeyFile)
			}
			w := c.App.Writer
			fmt.Fprintf(w, "==> CA certificate saved to: %s\n", certPath)
			fmt.Fprintf(w, "==> CA key saved to: %s\n", keyPath)
			fmt.Fprintf(w, "Every daemon and user sets spindle.tls.ca-file to %s.\n", certPath)
			fmt.Fprintf(w, "Keep %s off the cluster's machines: whoever holds it can join the cluster as any daemon or user.\n", keyPath)
			return nil
		},
	}
}
