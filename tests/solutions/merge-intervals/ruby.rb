def merge(intervals)
  intervals.sort_by(&:first).each_with_object([]) do |(start, finish), merged|
    if merged.any? && start <= merged.last[1]
      merged.last[1] = [merged.last[1], finish].max
    else
      merged << [start, finish]
    end
  end
end
