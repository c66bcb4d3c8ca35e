/* A JACK client that counts xruns for a given time, then prints {"xruns":N,"seconds":S,"bufferSize":B,"sampleRate":R}. */
#include <jack/jack.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile int xruns = 0;
static int onXrun(void *arg) { (void)arg; __atomic_add_fetch(&xruns, 1, __ATOMIC_RELAXED); return 0; }
static int onProcess(jack_nframes_t n, void *arg) { (void)n; (void)arg; return 0; }

int main(int argc, char **argv)
{
    const int seconds = argc > 1 ? atoi(argv[1]) : 60;
    jack_client_t *c = jack_client_open("sb-xrun-counter", JackNoStartServer, NULL);
    if (!c) { fprintf(stderr, "cannot connect to JACK\n"); return 1; }
    jack_set_xrun_callback(c, onXrun, NULL);
    jack_set_process_callback(c, onProcess, NULL);
    if (jack_activate(c)) { fprintf(stderr, "cannot activate\n"); return 1; }
    sleep((unsigned)seconds);
    printf("{\"xruns\":%d,\"seconds\":%d,\"bufferSize\":%u,\"sampleRate\":%u}\n", __atomic_load_n(&xruns, __ATOMIC_RELAXED), seconds,
           jack_get_buffer_size(c), jack_get_sample_rate(c));
    jack_client_close(c);
    return 0;
}
