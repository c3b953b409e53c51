package main

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"os/signal"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/eventlog"
	"github.com/spindlehq/spindle/pki"
	"github.com/urfave/cli/v2"
)

// historyIndex lists the applications with event logs.
var historyIndex = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Spindle history</title>
<style>body{font:14px system-ui,sans-serif;margin:1.5em}li{margin:.2em 0}</style></head>
<body><h1>Spindle history</h1><p>Event logs in {{.Dir}}</p>
<ul id="applications">{{range .Apps}}<li><a href="/history/{{.}}/streaming/">{{.}}</a></li>{{else}}<li>none yet</li>{{end}}</ul></body></html>
`))

func historyCommand() *cli.Command {
	return &cli.Command{
		Name:  "history",
		Usage: "serve finished applications' Streaming tab from their event logs, as Spark's history server",
		Description: "Reads the event logs that applications write with spark.eventLog.enabled=true to spark.eventLog.dir,\n" +
			"from spark.history.fs.logDirectory, and serves each application's Streaming tab at\n" +
			"/history/<applicationId>/streaming/ on spark.history.ui.port. The ResourceManager serves the same pages itself.",
		Flags: append(confFlags(), readyFileFlag,
			&cli.StringFlag{Name: "address", Usage: "listen on `HOST:PORT` (default: all interfaces, spark.history.ui.port)"},
		),
		Action: func(c *cli.Context) error {
			cfg, err := loadConf(c)
			if err != nil {
				return err
			}
			uri := cfg.Get("spark.history.fs.logDirectory")
			if uri == "" {
				return errors.New("history: spark.history.fs.logDirectory is empty: set it to the spark.eventLog.dir applications write to")
			}
			addr := c.String("address")
			if addr == "" {
				port, err := cfg.Int("spark.history.ui.port")
				if err != nil {
					return err
				}
				addr = net.JoinHostPort("", strconv.FormatInt(port, 10))
			}
			// As every daemon: TLS, and only the cluster's users.
			tls, err := pki.FromConf(cfg, true, nil)
			if err != nil {
				return fmt.Errorf("history: %w", err)
			}
			ctx, stop := signal.NotifyContext(c.Context, syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			store, dir, err := dfs.Open(ctx, uri)
			if err != nil {
				return fmt.Errorf("history: spark.history.fs.logDirectory = %q: %w", uri, err)
			}
			defer store.Close()
			h, err := eventlog.NewHistory(eventlog.HistoryConfig{Store: store, Dir: dir})
			if err != nil {
				return err
			}
			go h.Run(ctx)
			mux := http.NewServeMux()
			mux.Handle(eventlog.Path, h)
			mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
				apps := h.Applications()
				slices.Sort(apps)
				slices.Reverse(apps)
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				historyIndex.Execute(w, map[string]any{"Dir": uri, "Apps": apps})
			})
			lis, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("history: listen on %s (spark.history.ui.port): %w", addr, err)
			}
			srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
			go srv.Serve(pki.Listener(tls, lis, pki.ClientCertRequired))
			if err := writeReadyFile(c.String("ready-file"), map[string]string{"webapp": lis.Addr().String()}); err != nil {
				return err
			}
			if tls == nil {
				fmt.Fprintf(c.App.ErrWriter, "warning: serving without TLS (%s=true): anyone who can connect reads every application's history\n", pki.KeyInsecurePlaintext)
			}
			fmt.Fprintf(c.App.Writer, "serving the history of %s on %s://%s/\n", uri, pki.Scheme(tls), lis.Addr())
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return srv.Shutdown(sctx)
		},
	}
}
