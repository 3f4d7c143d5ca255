package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// bodyBufferSize is the read buffer of a request body. The decoders read
// the body through it as a stream, so a request of 100 MB never sits in
// memory whole.
const bodyBufferSize = 64 << 10

// openBody returns the body as a stream of UTF-8 (converted from UTF-16
// when it arrived so, minus a UTF-8 byte order mark) and the encoding it
// arrived in. Bytes of a single-byte charset that an XML declaration names
// are left for the XML decoder's CharsetReader.
func openBody(r io.Reader) (*bufio.Reader, sourceEncoding, error) {
	br := bufio.NewReaderSize(r, bodyBufferSize)
	head, err := br.Peek(3)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, sourceUTF8, readError(err)
	}

	switch {
	case bytes.HasPrefix(head, utf8BOM):
		_, _ = br.Discard(len(utf8BOM))
		return br, sourceUTF8, nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		_, _ = br.Discard(2)
		return utf16Stream(br, sourceUTF16LE), sourceUTF16LE, nil
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		_, _ = br.Discard(2)
		return utf16Stream(br, sourceUTF16BE), sourceUTF16BE, nil
	}

	// Without a byte order mark, UTF-16 shows as a zero byte next to the
	// first character ('<' or '{'), which is ASCII in every body we accept.
	if len(head) >= 2 && head[0] != 0 && head[1] == 0 {
		return utf16Stream(br, sourceUTF16LE), sourceUTF16LE, nil
	}
	if len(head) >= 2 && head[0] == 0 && head[1] != 0 {
		return utf16Stream(br, sourceUTF16BE), sourceUTF16BE, nil
	}
	return br, sourceUTF8, nil
}

func readError(err error) error {
	var de *DecodeError
	if errors.As(err, &de) {
		return de
	}
	return wrapDecodeError("", err, "failed to read the request body: %v", err)
}

// firstNonSpace returns the first byte after leading white space, and how
// many bytes of white space it consumed, leaving that byte unread. The byte
// is 0 for a body of white space only.
func firstNonSpace(br *bufio.Reader) (byte, int, error) {
	skipped := 0
	for {
		buf, err := br.Peek(bodyBufferSize)
		i := 0
		for i < len(buf) {
			r, size := utf8.DecodeRune(buf[i:])
			if r == utf8.RuneError && !utf8.FullRune(buf[i:]) && err == nil {
				// A character cut by the end of a full buffer: read on.
				break
			}
			if !unicode.IsSpace(r) {
				_, _ = br.Discard(i)
				return buf[i], skipped + i, nil
			}
			i += size
		}
		switch {
		case errors.Is(err, io.EOF):
			return 0, skipped + i, nil
		case err != nil:
			return 0, skipped, readError(err)
		}
		// A buffer full of white space: drop it and look further.
		_, _ = br.Discard(i)
		skipped += i
	}
}

// utf16Reader converts a UTF-16 stream to UTF-8, rejecting an odd length
// and unpaired surrogates instead of replacing them.
type utf16Reader struct {
	src       *bufio.Reader
	bigEndian bool
	out       []byte // converted bytes not yet returned
	offset    int    // bytes of UTF-16 read so far, for error messages
	err       error
}

func utf16Stream(src *bufio.Reader, enc sourceEncoding) *bufio.Reader {
	u := &utf16Reader{src: src, bigEndian: enc == sourceUTF16BE}
	return bufio.NewReaderSize(u, bodyBufferSize)
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		u.fill()
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

// fill converts the next run of code units into out, or sets err.
func (u *utf16Reader) fill() {
	u.out = u.out[:0]
	for len(u.out) < bodyBufferSize {
		unit, ok := u.unit()
		if !ok {
			return
		}
		r := rune(unit)
		if utf16.IsSurrogate(r) {
			at := u.offset - 2
			low, ok := u.unit()
			if !ok && u.err != io.EOF {
				return
			}
			if r = utf16.DecodeRune(r, rune(low)); !ok || r == utf8.RuneError {
				u.err = decodeErrorf("", "the UTF-16 body has an unpaired surrogate at byte %d", at)
				return
			}
		}
		u.out = utf8.AppendRune(u.out, r)
	}
}

// unit reads one code unit. At the end of the body or on an error it sets
// err and returns false.
func (u *utf16Reader) unit() (uint16, bool) {
	var pair [2]byte
	n, err := io.ReadFull(u.src, pair[:])
	u.offset += n
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		u.err = decodeErrorf("", "the body looks like UTF-16 but has an odd number of bytes; "+
			"send complete UTF-16 or UTF-8")
		return 0, false
	case err != nil:
		u.err = err
		return 0, false
	}
	if u.bigEndian {
		return uint16(pair[0])<<8 | uint16(pair[1]), true
	}
	return uint16(pair[1])<<8 | uint16(pair[0]), true
}

// utf8Reader passes a stream through and fails at its first byte that is not
// valid UTF-8. encoding/json would replace such bytes with U+FFFD and carry
// on.
type utf8Reader struct {
	src    io.Reader
	carry  []byte // the start of a character cut by the end of the last read
	offset int    // bytes returned so far
	err    error
}

func (u *utf8Reader) Read(p []byte) (int, error) {
	if len(p) < utf8.UTFMax {
		return 0, io.ErrShortBuffer
	}
	for {
		if u.err != nil {
			return 0, u.err
		}
		n := copy(p, u.carry)
		u.carry = u.carry[:0]
		m, err := u.src.Read(p[n:])
		n += m
		good := u.check(p[:n], err != nil)
		u.offset += good
		if err != nil && u.err == nil {
			u.err = err
		}
		if good > 0 {
			return good, nil
		}
	}
}

// check returns how many leading bytes of buf are whole, valid characters.
// It keeps a character cut by the end of buf for the next read unless the
// stream has ended, and records an invalid byte as the error.
func (u *utf8Reader) check(buf []byte, ended bool) int {
	for i := 0; i < len(buf); {
		if buf[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(buf[i:])
		if r == utf8.RuneError && size == 1 {
			if !ended && !utf8.FullRune(buf[i:]) {
				u.carry = append(u.carry, buf[i:]...)
				return i
			}
			u.err = decodeErrorf("", "the body is not valid UTF-8 (first bad byte at offset %d); send UTF-8",
				u.offset+i)
			return i
		}
		i += size
	}
	return len(buf)
}
