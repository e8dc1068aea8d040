package cli

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// Version describes the running binary, named name, from the build
// information the Go toolchain records in it: the main module's version
// ("(devel)" for a build of a working tree whose commit no module version
// names), the commit it was built from with its time and "dirty" when it
// had uncommitted changes (when the build recorded version control
// information: go build's -buildvcs), and the Go version and platform:
//
//	recurrent v0.0.0-20261207105245-566c16d0a1b2+dirty
//	commit 566c16d0a1b2c3d4e5f60718293a4b5c6d7e8f90 2026-12-07T10:52:45Z dirty
//	go1.26.8 linux/amd64
func Version(name string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return versionText(name, bi)
}

// versionText is Version for the build information bi (nil: none).
func versionText(name string, bi *debug.BuildInfo) string {
	version, goVersion := "(unknown)", runtime.Version()
	var vcs []string
	if bi != nil {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		if bi.GoVersion != "" {
			goVersion = bi.GoVersion
		}
		set := map[string]string{}
		for _, s := range bi.Settings {
			set[s.Key] = s.Value
		}
		if rev := set["vcs.revision"]; rev != "" {
			vcs = append(vcs, "commit", rev)
			if t := set["vcs.time"]; t != "" {
				vcs = append(vcs, t)
			}
			if set["vcs.modified"] == "true" {
				vcs = append(vcs, "dirty")
			}
		}
	}
	lines := []string{name + " " + version}
	if len(vcs) > 0 {
		lines = append(lines, strings.Join(vcs, " "))
	}
	lines = append(lines, goVersion+" "+runtime.GOOS+"/"+runtime.GOARCH)
	return strings.Join(lines, "\n")
}
