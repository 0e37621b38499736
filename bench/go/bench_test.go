package bench

import (
	"image"
	"image/color"
	"math"
	"math/rand"
	"testing"

	"github.com/corona10/goimagehash"
)

// renderLike makes the image HashBench hashes: smooth colour fields with fine noise, 512x512,
// as an *image.RGBA (what image/png decodes an 8-bit RGB PNG to).
func renderLike(size int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	r := rand.New(rand.NewSource(42))
	phase := [3]float64{r.Float64() * 6, r.Float64() * 6, r.Float64() * 6}
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			var c [3]uint8
			for k := 0; k < 3; k++ {
				v := 110 + 90*math.Sin(float64(x)/(23+7*float64(k))+phase[k])*math.Cos(float64(y)/(31-5*float64(k)))
				c[k] = uint8(math.Max(0, math.Min(255, float64(int(v)+r.Intn(24)))))
			}
			img.SetRGBA(x, y, color.RGBA{c[0], c[1], c[2], 255})
		}
	}
	return img
}

func BenchmarkPerceptionHash(b *testing.B) {
	img := renderLike(512)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := goimagehash.PerceptionHash(img); err != nil {
			b.Fatal(err)
		}
	}
}
