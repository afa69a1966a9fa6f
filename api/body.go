package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// maxFormFields bounds the fields of one form.
const maxFormFields = 1000

func isJSONType(mt string) bool {
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// readJSONBody reads an App's or Driver's body: JSON (any value), or nothing.
func readJSONBody(r *http.Request, _ int64) (json.RawMessage, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (!isJSONType(mt) && mt != "text/plain") {
			return nil, &bodyError{http.StatusUnsupportedMediaType, CodeUnsupportedMedia,
				fmt.Sprintf("content type %q: send application/json", ct)}
		}
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	return jsonValue(b)
}

func jsonValue(b []byte) (json.RawMessage, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, nil
	}
	if !json.Valid(b) {
		return nil, &bodyError{http.StatusBadRequest, CodeBadRequest, "request body is not valid JSON"}
	}
	return json.RawMessage(b), nil
}

// readFormBody reads a form post into a JSON object of its fields: a field sent
// once is a string, one sent several times an array of strings. Files are refused.
func readFormBody(r *http.Request, max int64) (json.RawMessage, error) {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if ct == "" {
		mt, err = "", nil
	}
	if err != nil {
		return nil, &bodyError{http.StatusUnsupportedMediaType, CodeUnsupportedMedia, fmt.Sprintf("content type %q cannot be parsed", ct)}
	}
	fields := map[string][]string{}
	var order []string
	add := func(k, v string) error {
		if _, ok := fields[k]; !ok {
			if len(order) >= maxFormFields {
				return &bodyError{http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("more than %d form fields", maxFormFields)}
			}
			order = append(order, k)
		}
		fields[k] = append(fields[k], v)
		return nil
	}
	switch {
	case mt == "" || isJSONType(mt):
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		v, err := jsonValue(b)
		if err != nil || v == nil {
			return v, err
		}
		if v[0] != '{' {
			return nil, &bodyError{http.StatusBadRequest, CodeBadRequest, "a JSON form body must be an object of fields"}
		}
		return v, nil
	case mt == "application/x-www-form-urlencoded":
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		q, err := url.ParseQuery(string(b))
		if err != nil {
			return nil, &bodyError{http.StatusBadRequest, CodeBadRequest, "form body cannot be parsed: " + err.Error()}
		}
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, v := range q[k] {
				if err := add(k, v); err != nil {
					return nil, err
				}
			}
		}
	case mt == "multipart/form-data":
		if params["boundary"] == "" {
			return nil, &bodyError{http.StatusBadRequest, CodeBadRequest, "multipart form without a boundary"}
		}
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return nil, err
				}
				return nil, &bodyError{http.StatusBadRequest, CodeBadRequest, "multipart form cannot be parsed: " + err.Error()}
			}
			if p.FileName() != "" {
				_ = p.Close()
				return nil, &bodyError{http.StatusUnsupportedMediaType, CodeUnsupportedMedia,
					fmt.Sprintf("form handlers take fields only: the file upload in field %q is refused", p.FormName())}
			}
			v, err := io.ReadAll(io.LimitReader(p, max+1))
			_ = p.Close()
			if err != nil {
				return nil, err
			}
			if err := add(p.FormName(), string(v)); err != nil {
				return nil, err
			}
		}
	default:
		return nil, &bodyError{http.StatusUnsupportedMediaType, CodeUnsupportedMedia,
			fmt.Sprintf("content type %q: send application/x-www-form-urlencoded, multipart/form-data or application/json", mt)}
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range order {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		buf.Write(kb)
		buf.WriteByte(':')
		var vb []byte
		if vs := fields[k]; len(vs) == 1 {
			vb, _ = json.Marshal(vs[0])
		} else {
			vb, _ = json.Marshal(vs)
		}
		buf.Write(vb)
	}
	buf.WriteByte('}')
	return json.RawMessage(buf.Bytes()), nil
}
