package main

import (
	"fmt"
	"net"
	"os/user"
	"time"

	"github.com/spindlehq/spindle/pki"
	"github.com/urfave/cli/v2"
)

// tlsCertCreateCommand is `spindle tls cert create`: a certificate signed
// by the cluster CA for the ResourceManager, a NodeManager, a user or the
// RM's application CA.
func tlsCertCreateCommand() *cli.Command {
	return &cli.Command{
		Name:  "create",
		Usage: "create a certificate signed by the cluster CA: give one of --server, --nm, --client, --application-ca",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "server", Usage: "for the ResourceManager (" + pki.ServerFile + ")"},
			&cli.BoolFlag{Name: "nm", Usage: "for a NodeManager (" + pki.NMFile + "); it may register only node ids on the hosts it names"},
			&cli.BoolFlag{Name: "client", Usage: "for a user (" + pki.ClientFile("USER") + "); the user name is who the cluster's ACLs see"},
			&cli.BoolFlag{Name: "application-ca", Usage: "for the ResourceManager's application CA (" + pki.AppCAFile + "), which issues each ApplicationMaster's certificate"},
			&cli.StringFlag{Name: "ca", Value: pki.CAFile, Usage: "the CA's certificate `FILE`"},
			&cli.StringFlag{Name: "key", Value: pki.CAKeyFile, Usage: "the CA's key `FILE`"},
			&cli.StringFlag{Name: "dir", Value: ".", Usage: "write the files into `DIR`"},
			&cli.IntFlag{Name: "days", Value: int(pki.DefaultCertValidity / (24 * time.Hour)), Usage: "how many `DAYS` the certificate is valid"},
			&cli.StringFlag{Name: "user", Usage: "with --client: the user `NAME` (default: your login name)"},
			&cli.StringSliceFlag{Name: "group", Usage: "with --client: a `GROUP` of the user, for the ACLs' group lists (repeatable)"},
			&cli.StringFlag{Name: "common-name", Usage: "the certificate's common `NAME` (default: resourcemanager, the host name, or the user)"},
			&cli.StringSliceFlag{Name: "additional-dnsname", Usage: "with --server or --nm: another host `NAME` the daemon is reached at (repeatable)"},
			&cli.StringSliceFlag{Name: "additional-ipaddress", Usage: "with --server or --nm: another `IP` address the daemon is reached at (repeatable)"},
		},
		Action: func(c *cli.Context) error {
			req, file, err := certRequest(c)
			if err != nil {
				return err
			}
			ca, err := pki.LoadAuthority(c.String("ca"), c.String("key"))
			if err != nil {
				return fmt.Errorf("%w (create one with `spindle tls ca create`, or give --ca and --key)", err)
			}
			kp, err := ca.Issue(req)
			if err != nil {
				return err
			}
			certPath, keyPath, err := pki.WritePair(c.String("dir"), file, kp.CertPEM, kp.KeyPEM, true)
			if err != nil {
				return err
			}
			w := c.App.Writer
			fmt.Fprintf(w, "==> Using CA file %s and CA key %s\n", c.String("ca"), c.String("key"))
			fmt.Fprintf(w, "==> %s certificate saved to: %s\n", req.Role, certPath)
			fmt.Fprintf(w, "==> %s key saved to: %s\n", req.Role, keyPath)
			if len(kp.Cert.DNSNames)+len(kp.Cert.IPAddresses) > 0 {
				fmt.Fprintf(w, "Valid for hosts: %v %v\n", kp.Cert.DNSNames, kp.Cert.IPAddresses)
			}
			if req.Role == pki.RoleApplicationCA {
				fmt.Fprintf(w, "On the ResourceManager set spindle.tls.application-ca.cert-file=%s and spindle.tls.application-ca.key-file=%s.\n", certPath, keyPath)
			} else {
				fmt.Fprintf(w, "Set spindle.tls.cert-file=%s and spindle.tls.key-file=%s, with spindle.tls.ca-file=%s.\n", certPath, keyPath, c.String("ca"))
			}
			return nil
		},
	}
}

// certRequest reads what certificate the flags ask for and its file name.
func certRequest(c *cli.Context) (pki.CertRequest, string, error) {
	if c.NArg() > 0 {
		return pki.CertRequest{}, "", fmt.Errorf("tls cert create takes no arguments, got %q", c.Args().Slice())
	}
	var kinds []string
	for _, k := range []string{"server", "nm", "client", "application-ca"} {
		if c.Bool(k) {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) != 1 {
		return pki.CertRequest{}, "", fmt.Errorf("give exactly one of --server, --nm, --client and --application-ca (got %d)", len(kinds))
	}
	if c.Int("days") < 1 {
		return pki.CertRequest{}, "", fmt.Errorf("--days %d: want at least 1", c.Int("days"))
	}
	req := pki.CertRequest{Validity: time.Duration(c.Int("days")) * 24 * time.Hour, Name: c.String("common-name")}
	hosts := kinds[0] == "server" || kinds[0] == "nm"
	if !hosts && (c.IsSet("additional-dnsname") || c.IsSet("additional-ipaddress")) {
		return req, "", fmt.Errorf("--additional-dnsname and --additional-ipaddress go with --server or --nm, not --%s", kinds[0])
	}
	if kinds[0] != "client" && (c.IsSet("user") || c.IsSet("group")) {
		return req, "", fmt.Errorf("--user and --group go with --client, not --%s", kinds[0])
	}
	if hosts {
		req.DNSNames, req.IPs = pki.LocalHosts()
		req.DNSNames = append(req.DNSNames, c.StringSlice("additional-dnsname")...)
		for _, s := range c.StringSlice("additional-ipaddress") {
			ip := net.ParseIP(s)
			if ip == nil {
				return req, "", fmt.Errorf("--additional-ipaddress %q is not an IP address", s)
			}
			req.IPs = append(req.IPs, ip)
		}
	}
	var file string
	switch kinds[0] {
	case "server":
		req.Role, file = pki.RoleResourceManager, pki.ServerFile
		if req.Name == "" {
			req.Name = "resourcemanager"
		}
	case "nm":
		req.Role, file = pki.RoleNodeManager, pki.NMFile
		if req.Name == "" {
			req.Name = req.DNSNames[len(req.DNSNames)-1]
		}
	case "client":
		req.Role = pki.RoleClient
		name := c.String("user")
		if name == "" {
			u, err := user.Current()
			if err != nil {
				return req, "", fmt.Errorf("cannot tell your login name (%v): give --user", err)
			}
			name = u.Username
		}
		if req.Name == "" {
			req.Name = name
		}
		req.Groups = c.StringSlice("group")
		file = pki.ClientFile(req.Name)
	case "application-ca":
		req.Role, file = pki.RoleApplicationCA, pki.AppCAFile
		if req.Name == "" {
			req.Name = "Spindle application CA"
		}
	}
	return req, file, nil
}
