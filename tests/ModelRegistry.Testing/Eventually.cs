namespace ModelRegistry.Testing;

/// <summary>Waits for a condition with a deadline, polling; fails with the last observed value.</summary>
public static class Eventually
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> observe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await observe();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what}: not reached within {timeout.TotalSeconds:0} s; last value: {value}");
            await Task.Delay(100);
        }
    }
}
