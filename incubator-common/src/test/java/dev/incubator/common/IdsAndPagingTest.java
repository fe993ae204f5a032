package dev.incubator.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class IdsAndPagingTest {
    @Test
    void identifiersSortByCreationTimeAndAreUnique() {
        String earlier = Ids.next("org", Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));
        String later = Ids.next("org", Clock.fixed(Instant.parse("2026-01-01T00:00:00.001Z"), ZoneOffset.UTC));
        assertThat(earlier).startsWith("org_").hasSize(30);
        assertThat(earlier).isLessThan(later);
        assertThat(Ids.isValid("org", earlier)).isTrue();
        assertThat(Ids.isValid("usr", earlier)).isFalse();
        assertThat(Ids.next("org", Clock.systemUTC())).isNotEqualTo(Ids.next("org", Clock.systemUTC()));
    }

    @Test
    void cursorsRoundTripAndForeignCursorsAreRefused() {
        assertThat(Cursor.decode(Cursor.encode("org_123"))).isEqualTo("org_123");
        assertThatThrownBy(() -> Cursor.decode("not-a-cursor")).isInstanceOf(IncubatorException.class);
    }

    @Test
    void overfetchingOneRowRevealsTheNextPage() {
        Page<String> page = Page.fromOverfetch(List.of("a", "b", "c"), 2, value -> value);
        assertThat(page.items()).containsExactly("a", "b");
        assertThat(page.nextCursor().map(Cursor::decode)).contains("b");
        assertThat(Page.fromOverfetch(List.of("a"), 2, value -> value).nextCursor()).isEmpty();
    }

    @Test
    void pageRequestsCollectEveryProblem() {
        assertThatThrownBy(() -> PageRequest.parse("many", "junk"))
                .isInstanceOfSatisfying(IncubatorException.class, e -> assertThat(e.fieldErrors())
                        .extracting(FieldError::field).containsExactly("limit", "cursor"));
        assertThat(PageRequest.parse(null, null)).isEqualTo(new PageRequest(50, Optional.empty()));
    }
}
