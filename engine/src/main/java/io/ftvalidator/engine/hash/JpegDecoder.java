package io.ftvalidator.engine.hash;

/**
 * Decodes a JPEG to quantized DCT coefficients ({@link JpegImage}): marker parsing, Huffman
 * tables, sequential (baseline and extended) and progressive scans, restart intervals.
 *
 * <p>Supported: 8-bit Huffman-coded JPEGs with 1 (grey) or 3 (YCbCr) components and the luma/chroma
 * sampling factors Go's image/jpeg accepts (4:4:4, 4:4:0, 4:2:2, 4:2:0, 4:1:1, 4:1:0). Refused with
 * an {@link ImageFormatException}: arithmetic coding, lossless and hierarchical JPEGs, 12-bit
 * samples, CMYK/YCCK and RGB-coded JPEGs, other sampling factors.
 */
final class JpegDecoder {

    private static final int SOI = 0xd8;
    private static final int EOI = 0xd9;
    private static final int SOS = 0xda;
    private static final int DQT = 0xdb;
    private static final int DRI = 0xdd;
    private static final int DHT = 0xc4;
    private static final int RST0 = 0xd0;
    private static final int RST7 = 0xd7;

    private final byte[] data;
    private int pos;

    private int width;
    private int height;
    private boolean progressive;
    private boolean jfif;
    private int adobeTransform = -1;
    private int[] ids;
    private int[] hs;
    private int[] vs;
    private int[] quantIndex;
    private int maxH;
    private int maxV;
    private int mcusX;
    private int mcusY;
    private int[][] coefficients;
    private int[][] latchedQuant;
    private final int[][] quant = new int[4][];
    private final Huffman[] dcTables = new Huffman[4];
    private final Huffman[] acTables = new Huffman[4];
    private int restartInterval;
    private int eobRun;

    // Entropy-coded data reader.
    private int bitBuffer;
    private int bitCount;
    private boolean hitMarker;

    private JpegDecoder(byte[] data) {
        this.data = data;
    }

    static boolean hasSignature(byte[] data) {
        return data.length >= 3 && (data[0] & 0xff) == 0xff && (data[1] & 0xff) == SOI && (data[2] & 0xff) == 0xff;
    }

    static JpegImage decode(byte[] data) throws ImageFormatException {
        if (!hasSignature(data)) {
            throw new ImageFormatException("not a JPEG image");
        }
        try {
            return new JpegDecoder(data).run();
        } catch (ArrayIndexOutOfBoundsException e) {
            throw new ImageFormatException("truncated JPEG");
        }
    }

    private JpegImage run() throws ImageFormatException {
        pos = 2;
        while (true) {
            int marker = nextMarker();
            if (marker == EOI) {
                break;
            }
            if (marker >= RST0 && marker <= RST7) {
                continue; // stray restart marker between segments
            }
            int length = readUint16() - 2;
            if (length < 0) {
                throw new ImageFormatException("corrupt JPEG: short segment length");
            }
            int end = pos + length;
            if (end > data.length) {
                throw new ImageFormatException("truncated JPEG");
            }
            switch (marker) {
                case 0xc0, 0xc1, 0xc2 -> readFrame(marker == 0xc2, length);
                case DHT -> readHuffmanTables(end);
                case DQT -> readQuantTables(end);
                case DRI -> {
                    if (length != 2) {
                        throw new ImageFormatException("corrupt JPEG: bad DRI length");
                    }
                    restartInterval = readUint16();
                }
                case SOS -> {
                    readScan(length);
                    continue; // the scan leaves pos after its entropy-coded data
                }
                case 0xe0 -> jfif |= length >= 5 && startsWith(pos, "JFIF\0");
                case 0xee -> {
                    if (length >= 12 && startsWith(pos, "Adobe")) {
                        adobeTransform = data[pos + 11] & 0xff;
                    }
                }
                case 0xc3, 0xc7, 0xcb, 0xcf -> throw new ImageFormatException("unsupported JPEG: lossless");
                case 0xc5, 0xc6, 0xcd, 0xce -> throw new ImageFormatException("unsupported JPEG: hierarchical");
                case 0xc9, 0xca, 0xcc -> throw new ImageFormatException("unsupported JPEG: arithmetic coding");
                default -> {
                    boolean application = marker >= 0xe0 && marker <= 0xef;
                    if (!application && marker != 0xfe) {
                        throw new ImageFormatException(String.format("unsupported JPEG: marker 0x%02X", marker));
                    }
                }
            }
            pos = end;
        }
        if (coefficients == null) {
            throw new ImageFormatException("corrupt JPEG: no image data");
        }
        JpegImage.Component[] components = new JpegImage.Component[ids.length];
        for (int c = 0; c < ids.length; c++) {
            if (latchedQuant[c] == null) {
                throw new ImageFormatException("corrupt JPEG: component " + ids[c] + " has no scan");
            }
            components[c] = new JpegImage.Component(ids[c], hs[c], vs[c], latchedQuant[c],
                    mcusX * hs[c], mcusY * vs[c], coefficients[c]);
        }
        return new JpegImage(width, height, components, maxH, maxV);
    }

    /** Skips to the next marker (Go and libjpeg both skip stray bytes) and returns its code. */
    private int nextMarker() throws ImageFormatException {
        while (true) {
            if (pos + 1 >= data.length) {
                throw new ImageFormatException("truncated JPEG");
            }
            if ((data[pos] & 0xff) != 0xff) {
                pos++;
                continue;
            }
            int code = data[pos + 1] & 0xff;
            pos += 2;
            if (code == 0xff) {
                pos--; // fill byte: the next 0xff may start the marker
                continue;
            }
            if (code != 0) {
                return code;
            }
        }
    }

    private void readFrame(boolean progressiveFrame, int length) throws ImageFormatException {
        if (ids != null) {
            throw new ImageFormatException("corrupt JPEG: several frames");
        }
        progressive = progressiveFrame;
        int precision = data[pos] & 0xff;
        if (precision != 8) {
            throw new ImageFormatException("unsupported JPEG: " + precision + "-bit samples");
        }
        height = (data[pos + 1] & 0xff) << 8 | (data[pos + 2] & 0xff);
        width = (data[pos + 3] & 0xff) << 8 | (data[pos + 4] & 0xff);
        int count = data[pos + 5] & 0xff;
        if (length != 6 + 3 * count) {
            throw new ImageFormatException("corrupt JPEG: bad SOF length");
        }
        if (width == 0 || height == 0) {
            throw new ImageFormatException("unsupported JPEG: zero width or height");
        }
        if (count == 4) {
            throw new ImageFormatException("unsupported JPEG: CMYK");
        }
        if (count != 1 && count != 3) {
            throw new ImageFormatException("unsupported JPEG: " + count + " colour components");
        }
        ids = new int[count];
        hs = new int[count];
        vs = new int[count];
        quantIndex = new int[count];
        for (int c = 0; c < count; c++) {
            int p = pos + 6 + 3 * c;
            ids[c] = data[p] & 0xff;
            for (int other = 0; other < c; other++) {
                if (ids[other] == ids[c]) {
                    throw new ImageFormatException("corrupt JPEG: repeated component identifier");
                }
            }
            hs[c] = (data[p + 1] & 0xff) >> 4;
            vs[c] = data[p + 1] & 0x0f;
            quantIndex[c] = data[p + 2] & 0xff;
            if (quantIndex[c] > 3) {
                throw new ImageFormatException("corrupt JPEG: bad quantization table index");
            }
            if (hs[c] < 1 || hs[c] > 4 || vs[c] < 1 || vs[c] > 4) {
                throw new ImageFormatException("corrupt JPEG: bad sampling factors");
            }
        }
        if (count == 1) {
            // A single-component image has one block per MCU whatever its declared factors.
            hs[0] = 1;
            vs[0] = 1;
        } else {
            checkSubsampling();
        }
        maxH = 1;
        maxV = 1;
        for (int c = 0; c < count; c++) {
            maxH = Math.max(maxH, hs[c]);
            maxV = Math.max(maxV, vs[c]);
        }
        mcusX = (width + 8 * maxH - 1) / (8 * maxH);
        mcusY = (height + 8 * maxV - 1) / (8 * maxV);
        if ((long) mcusX * maxH * mcusY * maxV * 64 * count > 1L << 28) {
            throw new ImageFormatException("unsupported JPEG: too large (" + width + "x" + height + ")");
        }
        coefficients = new int[count][];
        latchedQuant = new int[count][];
        for (int c = 0; c < count; c++) {
            coefficients[c] = new int[mcusX * hs[c] * mcusY * vs[c] * 64];
        }
    }

    /** The luma/chroma sampling factors Go's image/jpeg accepts (and libjpeg decodes alike). */
    private void checkSubsampling() throws ImageFormatException {
        boolean ok = hs[0] != 3 && vs[0] != 3 && vs[0] != 4
                && hs[1] == hs[2] && vs[1] == vs[2]
                && hs[1] != 3 && vs[1] != 3
                && hs[0] % hs[1] == 0 && vs[0] % vs[1] == 0;
        if (!ok) {
            throw new ImageFormatException(String.format("unsupported JPEG: sampling factors %dx%d, %dx%d, %dx%d",
                    hs[0], vs[0], hs[1], vs[1], hs[2], vs[2]));
        }
        boolean rgb = !jfif && (adobeTransform == 0 || (ids[0] == 'R' && ids[1] == 'G' && ids[2] == 'B'));
        if (rgb) {
            throw new ImageFormatException("unsupported JPEG: RGB colour space");
        }
    }

    private void readQuantTables(int end) throws ImageFormatException {
        while (pos < end) {
            int pq = (data[pos] & 0xff) >> 4;
            int tq = data[pos] & 0x0f;
            pos++;
            if (tq > 3 || pq > 1) {
                throw new ImageFormatException("corrupt JPEG: bad DQT");
            }
            int size = pq == 0 ? 64 : 128;
            if (pos + size > end) {
                throw new ImageFormatException("corrupt JPEG: bad DQT length");
            }
            int[] table = new int[64];
            for (int i = 0; i < 64; i++) {
                table[i] = pq == 0 ? data[pos + i] & 0xff : (data[pos + 2 * i] & 0xff) << 8 | (data[pos + 2 * i + 1] & 0xff);
            }
            quant[tq] = table;
            pos += size;
        }
    }

    private void readHuffmanTables(int end) throws ImageFormatException {
        while (pos < end) {
            int tc = (data[pos] & 0xff) >> 4;
            int th = data[pos] & 0x0f;
            if (tc > 1 || th > 3 || pos + 17 > end) {
                throw new ImageFormatException("corrupt JPEG: bad DHT");
            }
            int[] counts = new int[17];
            int total = 0;
            for (int i = 1; i <= 16; i++) {
                counts[i] = data[pos + i] & 0xff;
                total += counts[i];
            }
            pos += 17;
            if (total == 0 || total > 256 || pos + total > end) {
                throw new ImageFormatException("corrupt JPEG: bad DHT");
            }
            int[] symbols = new int[total];
            for (int i = 0; i < total; i++) {
                symbols[i] = data[pos + i] & 0xff;
            }
            pos += total;
            Huffman table = new Huffman(counts, symbols);
            if (tc == 0) {
                dcTables[th] = table;
            } else {
                acTables[th] = table;
            }
        }
    }

    private void readScan(int length) throws ImageFormatException {
        if (ids == null) {
            throw new ImageFormatException("corrupt JPEG: scan before frame header");
        }
        int count = data[pos] & 0xff;
        if (count < 1 || count > ids.length || length != 4 + 2 * count) {
            throw new ImageFormatException("corrupt JPEG: bad SOS length");
        }
        int[] scanComponents = new int[count];
        Huffman[] dc = new Huffman[count];
        Huffman[] ac = new Huffman[count];
        for (int i = 0; i < count; i++) {
            int id = data[pos + 1 + 2 * i] & 0xff;
            int c = indexOf(id);
            for (int j = 0; j < i; j++) {
                if (scanComponents[j] == c) {
                    throw new ImageFormatException("corrupt JPEG: repeated component in scan");
                }
            }
            scanComponents[i] = c;
            int tables = data[pos + 2 + 2 * i] & 0xff;
            dc[i] = dcTables[tables >> 4 & 3];
            ac[i] = acTables[tables & 3];
            if (latchedQuant[c] == null) {
                if (quant[quantIndex[c]] == null) {
                    throw new ImageFormatException("corrupt JPEG: missing quantization table");
                }
                latchedQuant[c] = quant[quantIndex[c]].clone();
            }
        }
        int p = pos + 1 + 2 * count;
        int ss = data[p] & 0xff;
        int se = data[p + 1] & 0xff;
        int ah = (data[p + 2] & 0xff) >> 4;
        int al = data[p + 2] & 0x0f;
        if (!progressive) {
            ss = 0;
            se = 63;
            ah = 0;
            al = 0;
        } else if ((ss == 0 && se != 0) || ss > se || se > 63 || (ss != 0 && count != 1)
                || (ah != 0 && ah != al + 1) || al > 13) {
            throw new ImageFormatException("corrupt JPEG: bad progressive scan parameters");
        }
        for (int i = 0; i < count; i++) {
            if ((ss == 0 && ah == 0 && dc[i] == null) || (se > 0 && ac[i] == null)) {
                throw new ImageFormatException("corrupt JPEG: missing Huffman table");
            }
        }
        pos = p + 3;
        resetEntropy();

        boolean interleaved = count > 1;
        int[] predictors = new int[count];
        int units;
        int unitsWide;
        if (interleaved) {
            unitsWide = mcusX;
            units = mcusX * mcusY;
        } else {
            // A non-interleaved scan codes only the blocks that hold samples of the image.
            int c = scanComponents[0];
            unitsWide = ceilDiv(ceilDiv(width * hs[c], maxH), 8);
            units = unitsWide * ceilDiv(ceilDiv(height * vs[c], maxV), 8);
        }
        int restartsSeen = 0;
        for (int unit = 0; unit < units; unit++) {
            if (restartInterval > 0 && unit > 0 && unit % restartInterval == 0) {
                readRestartMarker(restartsSeen++);
                java.util.Arrays.fill(predictors, 0);
                eobRun = 0;
            }
            int ux = unit % unitsWide;
            int uy = unit / unitsWide;
            for (int i = 0; i < count; i++) {
                int c = scanComponents[i];
                int blocksWide = mcusX * hs[c];
                int blocksPerUnit = interleaved ? hs[c] * vs[c] : 1;
                for (int j = 0; j < blocksPerUnit; j++) {
                    int bx = interleaved ? ux * hs[c] + j % hs[c] : ux;
                    int by = interleaved ? uy * vs[c] + j / hs[c] : uy;
                    int offset = (by * blocksWide + bx) * 64;
                    int[] block = coefficients[c];
                    if (ss == 0) {
                        if (ah == 0) {
                            predictors[i] += decodeDc(dc[i]);
                            block[offset] = predictors[i] * (1 << al);
                        } else if (readBit() != 0) {
                            block[offset] |= 1 << al;
                        }
                        if (!progressive) {
                            decodeAcSequential(ac[i], block, offset);
                        }
                    } else if (ah == 0) {
                        decodeAcFirst(ac[i], block, offset, ss, se, al);
                    } else {
                        decodeAcRefine(ac[i], block, offset, ss, se, al);
                    }
                }
            }
        }
        // pos is now just after the entropy-coded data read; the next marker search skips the rest.
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private int indexOf(int id) throws ImageFormatException {
        for (int c = 0; c < ids.length; c++) {
            if (ids[c] == id) {
                return c;
            }
        }
        throw new ImageFormatException("corrupt JPEG: unknown component in scan");
    }

    private int decodeDc(Huffman table) throws ImageFormatException {
        int size = table.decode(this);
        if (size > 16) {
            throw new ImageFormatException("corrupt JPEG: bad DC coefficient size");
        }
        return extend(readBits(size), size);
    }

    private void decodeAcSequential(Huffman table, int[] block, int offset) throws ImageFormatException {
        for (int k = 1; k < 64; k++) {
            int rs = table.decode(this);
            int run = rs >> 4;
            int size = rs & 0x0f;
            if (size == 0) {
                if (run != 15) {
                    return; // end of block
                }
                k += 15;
                continue;
            }
            k += run;
            if (k > 63) {
                return;
            }
            block[offset + JpegImage.NATURAL_ORDER[k]] = extend(readBits(size), size);
        }
    }

    private void decodeAcFirst(Huffman table, int[] block, int offset, int ss, int se, int al)
            throws ImageFormatException {
        if (eobRun > 0) {
            eobRun--;
            return;
        }
        for (int k = ss; k <= se; k++) {
            int rs = table.decode(this);
            int run = rs >> 4;
            int size = rs & 0x0f;
            if (size == 0) {
                if (run < 15) {
                    eobRun = (1 << run) - 1;
                    if (run > 0) {
                        eobRun += readBits(run);
                    }
                    return;
                }
                k += 15;
                continue;
            }
            k += run;
            if (k > se) {
                throw new ImageFormatException("corrupt JPEG: coefficient run past the band");
            }
            block[offset + JpegImage.NATURAL_ORDER[k]] = extend(readBits(size), size) * (1 << al);
        }
    }

    /** Successive-approximation refinement of an AC band (ITU T.81 G.1.2.3). */
    private void decodeAcRefine(Huffman table, int[] block, int offset, int ss, int se, int al)
            throws ImageFormatException {
        int plus = 1 << al;
        int k = ss;
        if (eobRun == 0) {
            for (; k <= se; k++) {
                int rs = table.decode(this);
                int run = rs >> 4;
                int size = rs & 0x0f;
                int value = 0;
                if (size == 0) {
                    if (run < 15) {
                        eobRun = 1 << run;
                        if (run > 0) {
                            eobRun += readBits(run);
                        }
                        break;
                    }
                    // run == 15: skip 16 zero coefficients, refining non-zero ones on the way
                } else if (size == 1) {
                    value = readBit() != 0 ? plus : -plus;
                } else {
                    throw new ImageFormatException("corrupt JPEG: bad refinement coefficient");
                }
                k = refineNonZero(block, offset, k, se, run, plus);
                if (k > se) {
                    throw new ImageFormatException("corrupt JPEG: refinement past the band");
                }
                if (value != 0) {
                    block[offset + JpegImage.NATURAL_ORDER[k]] = value;
                }
            }
        }
        if (eobRun > 0) {
            eobRun--;
            refineNonZero(block, offset, k, se, -1, plus);
        }
    }

    /**
     * Reads a correction bit for each non-zero coefficient from {@code k} on, and stops at the zero
     * coefficient that follows {@code zeros} skipped zero coefficients (never, if negative).
     * Returns the position where it stopped.
     */
    private int refineNonZero(int[] block, int offset, int k, int se, int zeros, int plus)
            throws ImageFormatException {
        for (; k <= se; k++) {
            int at = offset + JpegImage.NATURAL_ORDER[k];
            if (block[at] == 0) {
                if (zeros == 0) {
                    break;
                }
                zeros--;
                continue;
            }
            if (readBit() != 0 && (block[at] & plus) == 0) {
                block[at] += block[at] >= 0 ? plus : -plus;
            }
        }
        return k;
    }

    private static int extend(int bits, int size) {
        return size == 0 ? 0 : bits < 1 << (size - 1) ? bits - (1 << size) + 1 : bits;
    }

    private void readRestartMarker(int seen) throws ImageFormatException {
        int at = pos;
        int expected = RST0 + (seen & 7);
        if (at + 1 >= data.length || (data[at] & 0xff) != 0xff || (data[at + 1] & 0xff) != expected) {
            throw new ImageFormatException("corrupt JPEG: bad restart marker");
        }
        pos = at + 2;
        resetEntropy();
    }

    private void resetEntropy() {
        bitBuffer = 0;
        bitCount = 0;
        hitMarker = false;
    }

    int readBit() throws ImageFormatException {
        if (bitCount == 0) {
            fill();
        }
        bitCount--;
        return (bitBuffer >>> bitCount) & 1;
    }

    int readBits(int n) throws ImageFormatException {
        int v = 0;
        for (int i = 0; i < n; i++) {
            v = v << 1 | readBit();
        }
        return v;
    }

    /** Loads the next byte of entropy-coded data, undoing 0xFF00 stuffing; stops at a marker. */
    private void fill() throws ImageFormatException {
        if (hitMarker || pos >= data.length) {
            throw new ImageFormatException(pos >= data.length ? "truncated JPEG" : "corrupt JPEG: entropy-coded data ends early");
        }
        int b = data[pos] & 0xff;
        if (b == 0xff) {
            if (pos + 1 >= data.length) {
                throw new ImageFormatException("truncated JPEG");
            }
            if (data[pos + 1] != 0) {
                hitMarker = true;
                throw new ImageFormatException("corrupt JPEG: entropy-coded data ends early");
            }
            pos += 2;
        } else {
            pos++;
        }
        bitBuffer = b;
        bitCount = 8;
    }

    private boolean startsWith(int at, String text) {
        if (at + text.length() > data.length) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if ((data[at + i] & 0xff) != text.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private int readUint16() throws ImageFormatException {
        if (pos + 2 > data.length) {
            throw new ImageFormatException("truncated JPEG");
        }
        int v = (data[pos] & 0xff) << 8 | (data[pos + 1] & 0xff);
        pos += 2;
        return v;
    }

    /** A canonical Huffman code (ITU T.81 Annex C), decoded bit by bit. */
    private static final class Huffman {
        private final int[] maxCode = new int[18];
        private final int[] valueOffset = new int[17];
        private final int[] symbols;

        Huffman(int[] counts, int[] symbols) throws ImageFormatException {
            this.symbols = symbols;
            int code = 0;
            int k = 0;
            for (int length = 1; length <= 16; length++) {
                valueOffset[length] = k - code;
                code += counts[length];
                k += counts[length];
                maxCode[length] = counts[length] == 0 ? -1 : code - 1;
                if (code > 1 << length) {
                    throw new ImageFormatException("corrupt JPEG: bad Huffman table");
                }
                code <<= 1;
            }
            maxCode[17] = Integer.MAX_VALUE;
        }

        int decode(JpegDecoder in) throws ImageFormatException {
            int code = 0;
            for (int length = 1; length <= 16; length++) {
                code = code << 1 | in.readBit();
                if (code <= maxCode[length]) {
                    return symbols[valueOffset[length] + code];
                }
            }
            throw new ImageFormatException("corrupt JPEG: bad Huffman code");
        }
    }
}
