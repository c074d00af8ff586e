namespace ModelRegistry.Persistence.Artifacts;

/// <summary>
/// Group commit for the file system: every caller of <see cref="SyncAsync"/> gets a sync that started after it called, and
/// callers that arrive while one sync runs share the next. A hundred concurrent ingests then cost two syncs, not two hundred
/// fsyncs (each of which, on this class of machine, costs as much CPU as creating the file).
/// </summary>
/// <remarks>The syncs run on a thread of their own (a sync blocks for as long as the disk takes, which a thread-pool thread
/// should not), kept while calls keep coming and ended after <see cref="IdleExit"/> without one: a thread per burst would
/// cost a thread creation each time the store goes briefly idle.</remarks>
internal sealed class GroupSync(Action sync)
{
    public static readonly TimeSpan IdleExit = TimeSpan.FromSeconds(10);

    private readonly object gate = new();
    private TaskCompletionSource? next;
    private bool running;

    /// <summary>Completes when a sync that began after this call has finished; faults if it failed.</summary>
    public Task SyncAsync()
    {
        lock (gate)
        {
            if (next is null)
            {
                next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Monitor.Pulse(gate);
            }
            if (!running)
            {
                running = true;
                new Thread(Run) { IsBackground = true, Name = "artifact store sync" }.Start();
            }
            return next.Task;
        }
    }

    private void Run()
    {
        while (true)
        {
            TaskCompletionSource group;
            lock (gate)
            {
                while (next is null)
                {
                    if (!Monitor.Wait(gate, IdleExit) && next is null)
                    {
                        running = false;
                        return;
                    }
                }
                group = next;
                next = null;
            }
            try
            {
                sync();
                group.SetResult();
            }
            catch (Exception e)
            {
                group.SetException(e);
            }
        }
    }
}
