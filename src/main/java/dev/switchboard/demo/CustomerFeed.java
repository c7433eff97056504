package dev.switchboard.demo;

import dev.switchboard.demo.Simulator.Customer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * The customers of the simulator and what each sent and received (the entries the page polls),
 * kept across restarts in a state file. Every HTTP server's event loop and the simulator's timers
 * read and change it, so it is one immutable snapshot swapped atomically: a change builds the next
 * snapshot and retries if another change won; nothing blocks an event loop. The demo's volumes (a
 * few messages a second, at most {@link #MAX_ENTRIES} entries) make copying a snapshot cheap.
 */
final class CustomerFeed {

  private static final Logger LOG = LoggerFactory.getLogger(CustomerFeed.class);
  static final int MAX_ENTRIES = 5_000;

  /**
   * Customers by platform and id, in the order they were first known; entries by message id
   * (wamid / mid), in order of last change, each stamped with the sequence number of that change.
   * Neither map nor any entry in it is changed once published.
   */
  private record State(Map<String, Customer> customers, Map<String, JsonObject> entries, long seq) {
  }

  private final AtomicReference<State> state = new AtomicReference<>(new State(Map.of(), Map.of(), 0));

  private State change(UnaryOperator<State> next) {
    for (;;) {
      State old = state.get();
      State updated = next.apply(old);
      if (updated == old || state.compareAndSet(old, updated)) {
        return updated;
      }
    }
  }

  // ---- customers ----

  Customer add(Customer c) {
    change(s -> {
      Map<String, Customer> customers = new LinkedHashMap<>(s.customers());
      customers.put(key(c.platform(), c.id()), c);
      return new State(Collections.unmodifiableMap(customers), s.entries(), s.seq());
    });
    return c;
  }

  /** Remembers a customer the gateway wrote to first, under its id as its name. */
  void known(String platform, String channelId, String id) {
    change(s -> {
      if (s.customers().containsKey(key(platform, id))) {
        return s;
      }
      Map<String, Customer> customers = new LinkedHashMap<>(s.customers());
      customers.put(key(platform, id), new Customer(platform, channelId, id, id));
      return new State(Collections.unmodifiableMap(customers), s.entries(), s.seq());
    });
  }

  Customer customer(String platform, String id) {
    return state.get().customers().get(key(platform, id));
  }

  List<Customer> customers() {
    return new ArrayList<>(state.get().customers().values());
  }

  // ---- entries ----

  /** Adds (or replaces) an entry as the latest change; answers a copy of what was stored. */
  JsonObject record(JsonObject entry) {
    String id = entry.getString("id");
    State s = change(old -> {
      Map<String, JsonObject> entries = new LinkedHashMap<>(old.entries());
      entries.remove(id);
      entries.put(id, entry.copy().put("seq", old.seq() + 1));
      while (entries.size() > MAX_ENTRIES) {
        entries.remove(entries.keySet().iterator().next());
      }
      return new State(old.customers(), Collections.unmodifiableMap(entries), old.seq() + 1);
    });
    return s.entries().get(id).copy();
  }

  /** Merges {@code changes} into entry {@code id} as the latest change; null when there is no such entry. */
  JsonObject update(String id, JsonObject changes) {
    State s = change(old -> {
      JsonObject e = old.entries().get(id);
      if (e == null) {
        return old;
      }
      Map<String, JsonObject> entries = new LinkedHashMap<>(old.entries());
      entries.remove(id);
      entries.put(id, e.copy().mergeIn(changes).put("seq", old.seq() + 1));
      return new State(old.customers(), Collections.unmodifiableMap(entries), old.seq() + 1);
    });
    JsonObject e = s.entries().get(id);
    return e == null ? null : e.copy();
  }

  JsonObject entry(String id) {
    JsonObject e = id == null ? null : state.get().entries().get(id);
    return e == null ? null : e.copy();
  }

  /** Entries changed after {@code after} (a sequence number), oldest change first, and the cursor to ask from next. */
  JsonObject feed(long after, int limit) {
    State s = state.get();
    JsonArray items = new JsonArray();
    for (JsonObject e : s.entries().values()) {
      if (e.getLong("seq") > after && items.size() < limit) {
        items.add(e.copy());
      }
    }
    return new JsonObject().put("items", items).put("cursor", s.seq());
  }

  // ---- the state file ----

  /** Writes customers and entries to {@code file} (a blocking write: called off the event loops, on a clean stop). */
  void save(Path file) {
    if (file == null) {
      return;
    }
    State s = state.get();
    JsonArray cs = new JsonArray();
    s.customers().values().forEach(c -> cs.add(c.json()));
    JsonArray es = new JsonArray();
    s.entries().values().forEach(es::add);
    try {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, new JsonObject().put("customers", cs).put("entries", es).encode());
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      LOG.warn("cannot save the simulator's state to {}: {}", file, e.toString());
    }
  }

  /** Reads what {@link #save} wrote; an unreadable file is ignored (the demo starts with an empty page). */
  void load(Path file) {
    if (file == null || !Files.isRegularFile(file)) {
      return;
    }
    try {
      JsonObject saved = new JsonObject(Files.readString(file));
      Map<String, Customer> customers = new LinkedHashMap<>();
      saved.getJsonArray("customers", new JsonArray()).forEach(o -> {
        Customer c = Customer.from((JsonObject) o);
        customers.put(key(c.platform(), c.id()), c);
      });
      Map<String, JsonObject> entries = new LinkedHashMap<>();
      long seq = 0;
      for (Object o : saved.getJsonArray("entries", new JsonArray())) {
        JsonObject e = (JsonObject) o;
        entries.put(e.getString("id"), e);
        seq = Math.max(seq, e.getLong("seq", 0L));
      }
      state.set(new State(Collections.unmodifiableMap(customers), Collections.unmodifiableMap(entries), seq));
    } catch (IOException | RuntimeException e) {
      LOG.warn("ignoring the simulator's unreadable state in {}: {}", file, e.toString());
    }
  }

  private static String key(String platform, String id) {
    return platform + ":" + id;
  }
}
