class RateLimiter
  def initialize(limit, window)
    @limit = limit
    @window = window
    @requests = Hash.new { |hash, client| hash[client] = [] }
  end

  def allow(client, now)
    times = @requests[client]
    times.shift while times.any? && now - times.first >= @window
    return false if times.size >= @limit

    times << now
    true
  end
end
