/*
 * A local RTSP camera for tests: serves one GStreamer launch description at rtsp://127.0.0.1:<port>/cam.
 *
 *   rtsp-server <port | 0> '<launch description ending in a payloader named pay0>' [once]
 *
 * Prints "port <n>" on stdout once it listens (0 picks a free port). Each client gets its own media
 * (not shared), so a reconnecting client starts the description afresh. With `once`, the mount is
 * removed when the first media is done (unprepared: its client left, e.g. at the end of the file):
 * a file is played once, not again on the client's reconnection; later clients get 404 Not Found. Compiled by
 * test/helpers/rtsp-server.ts with gcc and pkg-config (libgstrtspserver-1.0-dev).
 */
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <stdio.h>
#include <string.h>

static GstRTSPMountPoints *mounts;

static void unmount(GstRTSPMedia *media, gpointer data) {
  (void)media;
  (void)data;
  gst_rtsp_mount_points_remove_factory(mounts, "/cam");
}

/* The client looks the mount up again for SETUP and PLAY: unmount only when its media is done. */
static void unmount_after_first(GstRTSPMediaFactory *factory, GstRTSPMedia *media, gpointer data) {
  (void)factory;
  (void)data;
  g_signal_connect(media, "unprepared", G_CALLBACK(unmount), NULL);
}

int main(int argc, char *argv[]) {
  gst_init(&argc, &argv);
  if (argc != 3 && !(argc == 4 && strcmp(argv[3], "once") == 0)) {
    fprintf(stderr, "usage: %s <port|0> '<launch description with pay0>' [once]\n", argv[0]);
    return 2;
  }
  GMainLoop *loop = g_main_loop_new(NULL, FALSE);
  GstRTSPServer *server = gst_rtsp_server_new();
  gst_rtsp_server_set_address(server, "127.0.0.1");
  gst_rtsp_server_set_service(server, argv[1]);
  mounts = gst_rtsp_server_get_mount_points(server);
  GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new();
  gst_rtsp_media_factory_set_launch(factory, argv[2]);
  gst_rtsp_media_factory_set_shared(factory, FALSE);
  if (argc == 4) g_signal_connect(factory, "media-configure", G_CALLBACK(unmount_after_first), NULL);
  gst_rtsp_mount_points_add_factory(mounts, "/cam", factory);
  if (gst_rtsp_server_attach(server, NULL) == 0) {
    fprintf(stderr, "rtsp-server: cannot listen on 127.0.0.1:%s\n", argv[1]);
    return 1;
  }
  printf("port %d\n", gst_rtsp_server_get_bound_port(server));
  fflush(stdout);
  g_main_loop_run(loop);
  return 0;
}
