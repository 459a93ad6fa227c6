package main

import (
	"encoding/hex"
	"testing"
)

// RFC 4493 §4, example 2 (16 bytes) and example 3 (40 bytes).
func TestCMACVectors(t *testing.T) {
	key, _ := hex.DecodeString("2b7e151628aed2a6abf7158809cf4f3c")
	c, _ := blockCipher(key)
	msg, _ := hex.DecodeString("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411")
	for _, v := range []struct {
		n    int
		want string
	}{{0, "bb1d6929e95937287fa37d129b756746"}, {16, "070a16b46b4d4144f79bdd9dd04a287c"}, {40, "dfa66747de9ae63030ca32611497c827"}} {
		got := cmac(c, msg[:v.n])
		if hex.EncodeToString(got[:]) != v.want {
			t.Errorf("cmac of %d bytes: %x, want %s", v.n, got, v.want)
		}
	}
}
