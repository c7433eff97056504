package dev.switchboard.assign;

import java.util.List;
import java.util.Map;

/**
 * Which agent gets the next conversation (pure). Candidates are the scope's eligible agents in id
 * order; {@code last} is the agent the scope gave its previous conversation to. Round robin takes
 * the first agent after {@code last} (wrapping) who is under capacity, so agents who stay eligible
 * never differ by more than one conversation from the scope's turns. Least busy takes the agent
 * holding the fewest; ties go to the first after {@code last}, so equals rotate too.
 */
public final class Picker {

  private Picker() {
  }

  /** The chosen agent, or null when every candidate is at capacity (or there is none). */
  public static Long pick(String mode, List<Long> candidates, Map<Long, Integer> load, int capacity, Long last) {
    int n = candidates.size();
    if (n == 0) {
      return null;
    }
    int start = 0;
    if (last != null) {
      while (start < n && candidates.get(start) <= last) {
        start++;
      }
    }
    Long best = null;
    int bestLoad = Integer.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      Long id = candidates.get((start + i) % n);
      int l = load.getOrDefault(id, 0);
      if (l >= capacity) {
        continue;
      }
      if (AutoAssign.ROUND_ROBIN.equals(mode)) {
        return id;
      }
      if (l < bestLoad) {
        best = id;
        bestLoad = l;
      }
    }
    return best;
  }
}
