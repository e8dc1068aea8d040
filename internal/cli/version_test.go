package cli

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestVersionText(t *testing.T) {
	platform := runtime.GOOS + "/" + runtime.GOARCH
	settings := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	for _, c := range []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"tagged release, clean", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"},
			Settings: settings("vcs", "git", "vcs.revision", "0123abcd", "vcs.time", "2026-12-07T10:52:45Z", "vcs.modified", "false")},
			"r v1.2.3\ncommit 0123abcd 2026-12-07T10:52:45Z\ngo1.26.8 " + platform},
		{"working tree with changes", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261207105245-0123abcd+dirty"},
			Settings: settings("vcs.revision", "0123abcd", "vcs.time", "2026-12-07T10:52:45Z", "vcs.modified", "true")},
			"r v0.0.0-20261207105245-0123abcd+dirty\ncommit 0123abcd 2026-12-07T10:52:45Z dirty\ngo1.26.8 " + platform},
		{"-buildvcs=false", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: settings("GOOS", "linux")},
			"r (devel)\ngo1.26.8 " + platform},
		{"no build information", nil, "r (unknown)\n" + runtime.Version() + " " + platform},
	} {
		if got := versionText("r", c.bi); got != c.want {
			t.Errorf("%s:\n%s\nwant\n%s", c.name, got, c.want)
		}
	}
}
