//go:build !linux

package sdk

import "errors"

var errNoSharedMem = errors.New("sdk: shared memory needs Linux")

func newSharedMem(int) (*sharedMem, error) { return nil, errNoSharedMem }

func openSharedMem(int) (*sharedMem, error) { return nil, errNoSharedMem }

func (m *sharedMem) discard(int, int) {}

func (m *sharedMem) close() {}
