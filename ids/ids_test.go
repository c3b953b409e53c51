package ids

import (
	"errors"
	"testing"
)

func TestFormat(t *testing.T) {
	app := ApplicationID{ClusterTimestamp: 1700000000000, Seq: 7}
	att := AttemptID{App: app, Attempt: 2}
	c := ContainerID{Attempt: att, ID: 13}
	for _, tc := range []struct{ got, want string }{
		{app.String(), "application_1700000000000_0007"},
		{att.String(), "appattempt_1700000000000_0007_000002"},
		{c.String(), "container_1700000000000_0007_02_000013"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %s, want %s", tc.got, tc.want)
		}
	}
}

func TestParse(t *testing.T) {
	c, err := ParseContainerID("container_1700000000000_0007_02_000013")
	if err != nil || c.ID != 13 || c.Attempt.Attempt != 2 || c.Attempt.App.Seq != 7 {
		t.Fatalf("ParseContainerID = %+v, %v", c, err)
	}
	a, err := ParseApplicationID("application_1700000000000_12345")
	if err != nil || a.Seq != 12345 {
		t.Fatalf("ParseApplicationID = %+v, %v", a, err)
	}
	at, err := ParseAttemptID("appattempt_1_0001_000003")
	if err != nil || at.Attempt != 3 {
		t.Fatalf("ParseAttemptID = %+v, %v", at, err)
	}
	for _, bad := range []string{"", "application_1", "application_1_x", "app_1_2", "application_1_2_3", "application_-1_2", "application_1_+2", "application__2"} {
		if _, err := ParseApplicationID(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseApplicationID(%q) error = %v, want ErrMalformed", bad, err)
		}
	}
}

func FuzzParseContainerID(f *testing.F) {
	f.Add("container_1700000000000_0007_02_000013")
	f.Add("container_1_2_3")
	f.Add("container_99999999999999999999_1_1_1")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseContainerID(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		back, err := ParseContainerID(c.String())
		if err != nil || back != c {
			t.Fatalf("round trip of %q: %+v, %v; want %+v", s, back, err, c)
		}
	})
}
