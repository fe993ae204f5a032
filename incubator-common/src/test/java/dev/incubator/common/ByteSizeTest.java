package dev.incubator.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ByteSizeTest {
    @Test
    void sizesParseAsPeopleWriteThem() {
        assertThat(ByteSize.parse("512")).contains(512L);
        assertThat(ByteSize.parse("64MiB")).contains(64L << 20);
        assertThat(ByteSize.parse("1.5 TiB")).contains(3L << 39);
        assertThat(ByteSize.parse("10GB")).contains(10_000_000_000L);
        assertThat(ByteSize.parse("200G")).as("a bare prefix is binary, as in Slurm").contains(200L << 30);
        assertThat(ByteSize.parse("2k")).contains(2048L);
    }

    @Test
    void whatIsNotASizeIsRefused() {
        assertThat(ByteSize.parse("lots")).isEmpty();
        assertThat(ByteSize.parse("-5MiB")).isEmpty();
        assertThat(ByteSize.parse("5 XB")).isEmpty();
        assertThat(ByteSize.parse("99999999999PiB")).as("over a long").isEmpty();
        assertThat(ByteSize.parse("")).isEmpty();
        assertThat(ByteSize.parse(null)).isEmpty();
        assertThat(ByteSize.parse("5iB")).isEmpty();
    }

    @Test
    void sizesPrintInBinaryUnits() {
        assertThat(ByteSize.format(999)).isEqualTo("999 B");
        assertThat(ByteSize.format(1536)).isEqualTo("1.5 KiB");
        assertThat(ByteSize.format(1L << 40)).isEqualTo("1.0 TiB");
    }
}
