package nodemanager

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/logging"
	"go.uber.org/zap"
)

// LogTimeFormat is how the log endpoints write a file's modification time,
// as YARN's Times.format does.
const LogTimeFormat = "Mon Jan 02 15:04:05 -0700 2006"

// LogAggregationLocal is the logAggregationType of logs read from the
// NodeManager's own log dirs rather than from an aggregated copy.
const LogAggregationLocal = "LOCAL"

// ContainerLogsPath is the prefix of the container log endpoints:
// ContainerLogsPath+"{containerId}" lists a container's log files,
// ContainerLogsPath+"{containerId}/{file}" serves one, and
// ContainerLogsPath+"{applicationId}" lists the application's containers
// that have logs on the node.
const ContainerLogsPath = "/node/containerlogs/"

const (
	containerStdout = "stdout"
	containerStderr = "stderr"
	// maxLogFileName is the longest file name most file systems take.
	maxLogFileName = 255
	logDirPerm     = 0o750
)

// ContainerLogsResponse is the JSON listing of a container's log files, in
// YARN's shape.
type ContainerLogsResponse struct {
	// ContainerLogsInfo describes the container's log dir.
	ContainerLogsInfo ContainerLogsInfo `json:"containerLogsInfo"`
}

// ContainerLogsInfo lists one container's log files on one node.
type ContainerLogsInfo struct {
	// ContainerLogInfo holds one entry per regular file, by name.
	ContainerLogInfo []ContainerLogFileInfo `json:"containerLogInfo"`
	// LogAggregationType is LogAggregationLocal.
	LogAggregationType string `json:"logAggregationType"`
	// ContainerID is the container's id.
	ContainerID string `json:"containerId"`
	// NodeID is the node id of the NodeManager serving the files.
	NodeID string `json:"nodeId"`
}

// ContainerLogFileInfo describes one log file. Size and time are strings,
// as in YARN's ContainerLogFileInfo.
type ContainerLogFileInfo struct {
	// FileName is the file's base name.
	FileName string `json:"fileName"`
	// FileSize is the file's length in bytes, in decimal.
	FileSize string `json:"fileSize"`
	// LastModifiedTime is the file's modification time in LogTimeFormat.
	LastModifiedTime string `json:"lastModifiedTime"`
}

// AppContainersResponse is the JSON list of an application's containers
// that have a log dir on the node.
type AppContainersResponse struct {
	// App names the application and its containers.
	App AppContainers `json:"app"`
}

// AppContainers lists an application's containers on one node, as YARN's
// /ws/v1/node/apps/{appid} does.
type AppContainers struct {
	// ID is the application id.
	ID string `json:"id"`
	// ContainerIDs are the containers with a log dir, sorted.
	ContainerIDs []string `json:"containerids"`
}

var (
	// errLogRequest marks a request path the log endpoints refuse.
	errLogRequest = errors.New("nodemanager: refused container log path")
	// errLogRange marks start/end values that select no valid range.
	errLogRange = errors.New("nodemanager: invalid start and end values")
	// errNoLogDir marks a container without a log dir on this node.
	errNoLogDir = errors.New("nodemanager: no log dir")
	// errLogEscape marks a log file whose symlinks lead out of its dir.
	errLogEscape = errors.New("nodemanager: log file resolves outside the container's log dir")
)

// containerOutputs are the writers of a container's stdout and stderr.
type containerOutputs struct {
	stdout, stderr io.WriteCloser
}

// openContainerOutputs opens rolling stdout and stderr files in a
// container's log dir, so that a chatty long-running container keeps at
// most (MaxBackups+1) × MaxSize per stream.
func (nm *NodeManager) openContainerOutputs(dir string) (containerOutputs, error) {
	if err := os.MkdirAll(dir, logDirPerm); err != nil {
		return containerOutputs{}, fmt.Errorf("nodemanager: create log dir %s: %w", dir, err)
	}
	open := func(name string) (*logging.RollingFile, error) {
		cfg := nm.cfg.ContainerLogs
		cfg.Path = filepath.Join(dir, name)
		return logging.OpenRolling(cfg)
	}
	stdout, err := open(containerStdout)
	if err != nil {
		return containerOutputs{}, fmt.Errorf("nodemanager: open container stdout: %w", err)
	}
	stderr, err := open(containerStderr)
	if err != nil {
		_ = stdout.Close()
		return containerOutputs{}, fmt.Errorf("nodemanager: open container stderr: %w", err)
	}
	return containerOutputs{stdout: stdout, stderr: stderr}, nil
}

// logRequest is a parsed path below ContainerLogsPath.
type logRequest struct {
	// app is set when the path names an application: list its containers.
	app *ids.ApplicationID
	// container is the container whose logs are asked for.
	container ids.ContainerID
	// file is the file asked for; "" lists the container's files.
	file string
}

// parseLogPath parses the escaped path below ContainerLogsPath:
// "{containerId}", "{containerId}/{file}" or "{applicationId}". Each part
// is unescaped exactly once, so a double-encoded name keeps a '%' and is
// refused; the file must then be a plain base name.
func parseLogPath(escaped string) (logRequest, error) {
	idPart, filePart, _ := strings.Cut(escaped, "/")
	id, err := url.PathUnescape(idPart)
	if err != nil {
		return logRequest{}, fmt.Errorf("%w: id %q: %w", errLogRequest, idPart, err)
	}
	var req logRequest
	cid, err := ids.ParseContainerID(id)
	if err != nil {
		aid, aerr := ids.ParseApplicationID(id)
		if aerr != nil || filePart != "" {
			return logRequest{}, fmt.Errorf("%w: %w", errLogRequest, err)
		}
		req.app = &aid
		return req, nil
	}
	req.container = cid
	if filePart == "" {
		return req, nil
	}
	name, err := url.PathUnescape(filePart)
	if err != nil {
		return logRequest{}, fmt.Errorf("%w: file %q: %w", errLogRequest, filePart, err)
	}
	if err := checkLogFileName(name); err != nil {
		return logRequest{}, err
	}
	req.file = name
	return req, nil
}

// checkLogFileName accepts only a plain base name: nothing that could name
// a parent, another directory or an encoded form of either.
func checkLogFileName(name string) error {
	var why string
	switch {
	case name == "":
		why = "is empty"
	case name == "." || name == "..":
		why = "is a dot segment"
	case len(name) > maxLogFileName:
		why = fmt.Sprintf("is longer than %d bytes", maxLogFileName)
	case !utf8.ValidString(name):
		why = "is not valid UTF-8"
	case strings.ContainsAny(name, `/\`):
		why = "contains a path separator"
	case strings.Contains(name, "%"):
		why = "is still percent-encoded after unescaping"
	case strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		why = "contains a control character"
	case !filepath.IsLocal(name) || filepath.Base(name) != name:
		why = "is not a plain file name"
	}
	if why != "" {
		return fmt.Errorf("%w: file name %q %s", errLogRequest, name, why)
	}
	return nil
}

// logRange turns YARN's start and end query values into the byte range
// [from, to) of a file of size bytes. Negative values count from the end;
// start defaults to 0 and end to size; both are clamped to the file.
func logRange(start, end string, size int64) (from, to int64, err error) {
	from, to = 0, size
	if start != "" {
		if from, err = strconv.ParseInt(start, 10, 64); err != nil {
			return 0, 0, fmt.Errorf("%w: start %q is not a whole number", errLogRange, start)
		}
	}
	if end != "" {
		if to, err = strconv.ParseInt(end, 10, 64); err != nil {
			return 0, 0, fmt.Errorf("%w: end %q is not a whole number", errLogRange, end)
		}
	}
	clamp := func(v int64) int64 {
		if v < 0 {
			v += size
		}
		return min(max(v, 0), size)
	}
	from, to = clamp(from), clamp(to)
	if from > to {
		return 0, 0, fmt.Errorf("%w: start %d is after end %d (file length %d)", errLogRange, from, to, size)
	}
	return from, to, nil
}

// withContainerLogs serves ContainerLogsPath itself, from the escaped
// request path, and hands every other request to next. It runs before the
// mux because the mux answers a path with dot segments by redirecting to
// the cleaned path, where a traversal attempt would go unrefused and
// unlogged.
func (nm *NodeManager) withContainerLogs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.EscapedPath(), ContainerLogsPath)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		nm.serveContainerLogs(w, r, rest)
	})
}

// serveContainerLogs answers one request below ContainerLogsPath; rest is
// the escaped path after it.
func (nm *NodeManager) serveContainerLogs(w http.ResponseWriter, r *http.Request, rest string) {
	idPart, filePart, _ := strings.Cut(rest, "/")
	refuse := func(code int, err error) {
		nm.lg.Warn("container log request refused", zap.String("container", idPart), zap.String("file", filePart),
			zap.String("remote", r.RemoteAddr), zap.Error(err))
		msg := err.Error()
		if code == http.StatusNotFound {
			// Whether a refused link's target exists is none of the client's business.
			msg = "no such log file"
		}
		http.Error(w, msg, code)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "use GET", http.StatusMethodNotAllowed)
		return
	}
	req, err := parseLogPath(rest)
	if err != nil {
		refuse(http.StatusBadRequest, err)
		return
	}
	if req.app != nil {
		nm.serveAppContainers(w, r, *req.app)
		return
	}
	id := req.container.String()
	dir, err := nm.containerLogDir(req.container)
	if errors.Is(err, errNoLogDir) {
		http.Error(w, "no logs of container "+id+" on this node", http.StatusNotFound)
		return
	}
	if err != nil {
		refuse(http.StatusNotFound, err)
		return
	}
	if req.file == "" {
		nm.serveLogList(w, r, id, dir)
		return
	}
	f, info, err := openContainerLogFile(dir, req.file)
	if errors.Is(err, fs.ErrNotExist) && nm.isAppUser(req.container.Attempt.App.String(), req.file) {
		// YARN's link form …/<container>/<user> names the listing.
		nm.serveLogList(w, r, id, dir)
		return
	}
	if errors.Is(err, fs.ErrNotExist) {
		http.Error(w, fmt.Sprintf("container %s has no log file %q on this node", id, req.file), http.StatusNotFound)
		return
	}
	if err != nil {
		refuse(http.StatusNotFound, err)
		return
	}
	defer f.Close()
	q := r.URL.Query()
	from, to, err := logRange(q.Get("start"), q.Get("end"), info.Size())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.FormatInt(to-from, 10))
	if r.Method == http.MethodHead {
		return
	}
	if _, err := f.Seek(from, io.SeekStart); err != nil {
		nm.lg.Warn("seek container log", zap.String("container", id), zap.String("file", req.file), zap.Error(err))
		return
	}
	if _, err := io.CopyN(w, f, to-from); err != nil {
		nm.lg.Debug("send container log", zap.String("container", id), zap.String("file", req.file),
			zap.String("remote", r.RemoteAddr), zap.Error(err))
	}
}

// containerLogDir finds cid's log dir: where startContainer puts it, else
// in another of the log dirs (yarn.nodemanager.log-dirs may have changed
// since the container ran). The dir and its application dir must be real
// directories, not links.
func (nm *NodeManager) containerLogDir(cid ids.ContainerID) (string, error) {
	id := cid.String()
	app := cid.Attempt.App.String()
	roots := append([]string{pick(nm.cfg.LogDirs, id)}, nm.cfg.LogDirs...)
	for _, root := range roots {
		dir := filepath.Join(root, app, id)
		if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		for _, d := range []string{filepath.Dir(dir), dir} {
			info, err := os.Lstat(d)
			if err != nil {
				return "", fmt.Errorf("nodemanager: log dir of container %s: %w", id, err)
			}
			if !info.IsDir() {
				return "", fmt.Errorf("%w: %s of container %s is not a directory", errLogEscape, d, id)
			}
		}
		return dir, nil
	}
	return "", fmt.Errorf("%w of container %s on this node", errNoLogDir, id)
}

// resolveLogFile resolves the symlinks of dir/name and returns the result
// relative to dir's resolved form, refusing one that leads outside it.
func resolveLogFile(dir, name string) (realDir, rel string, err error) {
	if realDir, err = filepath.EvalSymlinks(dir); err != nil {
		return "", "", err
	}
	path := filepath.Join(dir, name)
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		if _, lerr := os.Lstat(path); lerr == nil {
			// A link that does not resolve: say so rather than "not found".
			return "", "", fmt.Errorf("%w: %s does not resolve: %v", errLogEscape, path, err)
		}
		return "", "", err
	}
	rel, err = filepath.Rel(realDir, real)
	if err != nil || !filepath.IsLocal(rel) {
		return "", "", fmt.Errorf("%w: %s resolves to %s", errLogEscape, path, real)
	}
	return realDir, rel, nil
}

// openContainerLogFile opens dir/name if, with symlinks resolved, it is a
// regular file inside dir. It opens through an os.Root at dir, so a link
// swapped in after the check cannot lead outside either, and without
// blocking, so a FIFO planted in the dir cannot hang the request.
func openContainerLogFile(dir, name string) (*os.File, fs.FileInfo, error) {
	realDir, rel, err := resolveLogFile(dir, name)
	if err != nil {
		return nil, nil, err
	}
	root, err := os.OpenRoot(realDir)
	if err != nil {
		return nil, nil, err
	}
	defer root.Close()
	f, err := root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("%w: %w", errLogEscape, err)
	}
	info, err := f.Stat()
	if err == nil && !info.Mode().IsRegular() {
		err = fmt.Errorf("%w: %s/%s is not a regular file (%s)", errLogEscape, dir, name, info.Mode().Type())
	}
	if err != nil {
		_ = f.Close()
		return nil, nil, err
	}
	return f, info, nil
}

// logFileInfos describes the regular files of a container's log dir that
// resolve inside it, by name.
func logFileInfos(dir string) ([]ContainerLogFileInfo, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := []ContainerLogFileInfo{}
	for _, e := range entries {
		name := e.Name()
		if checkLogFileName(name) != nil {
			continue
		}
		realDir, rel, err := resolveLogFile(dir, name)
		if err != nil {
			continue
		}
		info, err := os.Stat(filepath.Join(realDir, rel))
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		out = append(out, ContainerLogFileInfo{
			FileName:         name,
			FileSize:         strconv.FormatInt(info.Size(), 10),
			LastModifiedTime: info.ModTime().Format(LogTimeFormat),
		})
	}
	slices.SortFunc(out, func(a, b ContainerLogFileInfo) int { return strings.Compare(a.FileName, b.FileName) })
	return out, nil
}

// wantsJSON reports whether a listing should be JSON rather than text.
func wantsJSON(r *http.Request) bool {
	return r.URL.Query().Get("format") == "json" || strings.Contains(r.Header.Get("Accept"), "application/json")
}

// serveLogList lists a container's log files, as JSON or as text lines of
// name, size and modification time.
func (nm *NodeManager) serveLogList(w http.ResponseWriter, r *http.Request, id, dir string) {
	files, err := logFileInfos(dir)
	if err != nil {
		nm.lg.Warn("list container log dir", zap.String("container", id), zap.Error(err))
		http.Error(w, "cannot list the logs of container "+id, http.StatusInternalServerError)
		return
	}
	if wantsJSON(r) {
		writeJSON(w, ContainerLogsResponse{ContainerLogsInfo: ContainerLogsInfo{
			ContainerLogInfo:   files,
			LogAggregationType: LogAggregationLocal,
			ContainerID:        id,
			NodeID:             nm.nodeID,
		}})
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		writeLogListHTML(w, id, nm.nodeID, files)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	for _, f := range files {
		fmt.Fprintf(w, "%s\t%s\t%s\n", f.FileName, f.FileSize, f.LastModifiedTime)
	}
}

// serveAppContainers lists the containers of app that have a log dir on
// this node, including ones that finished before the NodeManager last
// started.
func (nm *NodeManager) serveAppContainers(w http.ResponseWriter, r *http.Request, app ids.ApplicationID) {
	appID := app.String()
	seen := map[string]bool{}
	list := []string{}
	for _, root := range nm.cfg.LogDirs {
		entries, err := os.ReadDir(filepath.Join(root, appID))
		if err != nil {
			continue
		}
		for _, e := range entries {
			cid, err := ids.ParseContainerID(e.Name())
			if err != nil || !e.IsDir() || cid.Attempt.App != app || seen[cid.String()] {
				continue
			}
			seen[cid.String()] = true
			list = append(list, cid.String())
		}
	}
	slices.Sort(list)
	if wantsJSON(r) {
		writeJSON(w, AppContainersResponse{App: AppContainers{ID: appID, ContainerIDs: list}})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	for _, id := range list {
		fmt.Fprintln(w, id)
	}
}
