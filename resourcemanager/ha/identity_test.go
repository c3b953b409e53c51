package ha

import "testing"

func FuzzDecodeIdentity(f *testing.F) {
	f.Add([]byte(`{"clusterId":"yarn-cluster","rmId":"rm1"}`))
	f.Add([]byte(`{"clusterId":""}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		id, err := decodeIdentity(raw)
		if err == nil && (id.ClusterID == "" || id.RMID == "") {
			t.Fatalf("accepted an identity without both names: %+v", id)
		}
	})
}
