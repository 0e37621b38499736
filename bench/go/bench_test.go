package bench

import (
	"image"
	"image/png"
	"os"
	"testing"

	"github.com/corona10/goimagehash"
)

func load(b *testing.B) image.Image {
	f, err := os.Open(os.Getenv("IMG"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		b.Fatal(err)
	}
	return img
}

func BenchmarkPerceptionHash(b *testing.B) {
	img := load(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := goimagehash.PerceptionHash(img); err != nil {
			b.Fatal(err)
		}
	}
}
