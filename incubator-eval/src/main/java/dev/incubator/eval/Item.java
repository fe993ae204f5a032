package dev.incubator.eval;

import java.util.Map;

/** One benchmark row: its id, the file it came from, and its fields as read (strings, numbers, lists). */
public record Item(String id, String file, Map<String, Object> fields) {
}
