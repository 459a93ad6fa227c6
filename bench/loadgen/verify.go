package main

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/hex"
	"regexp"
	"sync"
)

var phyPayload = regexp.MustCompile(`"PHYPayload"\s*:\s*"([0-9a-fA-F]*)"`)

// ciphers caches one AES block cipher per root key (the devices repeat over a run), so that checking an answer costs
// the generator little CPU.
var ciphers sync.Map

// verifyJoinAccept opens a JoinAns's join-accept as a LoRaWAN 1.0.x device does: decrypts it (AES "encrypt" of the
// ciphertext, LoRaWAN 1.0.4 §6.2.3) with the root key and checks its MIC (AES-CMAC over MHDR | payload without the MIC).
// It returns "" when the join-accept is sound, else the failure.
func verifyJoinAccept(answer, key []byte) string {
	m := phyPayload.FindSubmatch(answer)
	if m == nil {
		return "no PHYPayload"
	}
	phy, err := hex.DecodeString(string(m[1]))
	if err != nil || (len(phy) != 17 && len(phy) != 33) || phy[0] != 0x20 {
		return "malformed join-accept"
	}
	c, err := blockCipher(key)
	if err != nil {
		return "bad verify key"
	}
	plain := make([]byte, len(phy))
	plain[0] = phy[0]
	for i := 1; i < len(phy); i += aes.BlockSize {
		c.Encrypt(plain[i:i+aes.BlockSize], phy[i:i+aes.BlockSize])
	}
	n := len(plain) - 4
	mic := cmac(c, plain[:n])
	if subtle.ConstantTimeCompare(mic[:4], plain[n:]) != 1 {
		return "join-accept MIC mismatch"
	}
	return ""
}

func blockCipher(key []byte) (cipher.Block, error) {
	if c, ok := ciphers.Load(string(key)); ok {
		return c.(cipher.Block), nil
	}
	c, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	ciphers.Store(string(key), c)
	return c, nil
}

// cmac is AES-CMAC (RFC 4493) of msg under the block cipher c.
func cmac(c cipher.Block, msg []byte) [16]byte {
	var l, k1, k2 [16]byte
	c.Encrypt(l[:], l[:])
	shift(&k1, &l)
	shift(&k2, &k1)
	blocks := (len(msg) + 15) / 16
	complete := blocks > 0 && len(msg)%16 == 0
	if blocks == 0 {
		blocks = 1
	}
	var x [16]byte
	for b := 0; b < blocks; b++ {
		var block [16]byte
		chunk := msg[b*16 : min(len(msg), b*16+16)]
		copy(block[:], chunk)
		if b == blocks-1 {
			if complete {
				xor(&block, &k1)
			} else {
				block[len(chunk)] = 0x80
				xor(&block, &k2)
			}
		}
		xor(&x, &block)
		c.Encrypt(x[:], x[:])
	}
	return x
}

// shift sets dst to src << 1 in GF(2^128), the CMAC subkey step.
func shift(dst, src *[16]byte) {
	carry := src[0] >> 7
	for i := 0; i < 15; i++ {
		dst[i] = src[i]<<1 | src[i+1]>>7
	}
	dst[15] = src[15] << 1
	if carry == 1 {
		dst[15] ^= 0x87
	}
}

func xor(dst, src *[16]byte) {
	for i := range dst {
		dst[i] ^= src[i]
	}
}
