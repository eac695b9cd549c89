//! A mosquitto broker on a free loopback port, from Debian's package: what the relay's
//! tests and benchmark talk MQTT to. Its log goes to `mosquitto.log` in the given folder.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// Unacknowledged QoS 1 messages mosquitto sends a client at once. Set it on any broker
/// that feeds the relay: it is what bounds the relay's memory under a flood (mosquitto
/// 2.0 does not limit MQTT 3.1.1 sessions unless told to).
pub const MAX_INFLIGHT: u32 = 1_000;

pub struct LocalBroker {
    child: Child,
    /// `mqtt://127.0.0.1:<port>`.
    pub url: String,
}

impl LocalBroker {
    pub fn start(dir: &Path) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let conf = dir.join("mosquitto.conf");
        std::fs::write(
            &conf,
            format!(
                "listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n\
                 max_queued_messages 1000000\nmax_inflight_messages {MAX_INFLIGHT}\n"
            ),
        )?;
        let binary = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"]
            .into_iter()
            .find(|b| Path::new(b).exists())
            .unwrap_or("mosquitto");
        let log = std::fs::File::create(dir.join("mosquitto.log"))?;
        let mut child = Command::new(binary)
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            .spawn()
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot start mosquitto ({e}); scripts/setup.sh installs Debian's package"
                )
            })?;
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = child.try_wait()? {
                anyhow::bail!(
                    "mosquitto exited with {status}; see {}",
                    dir.join("mosquitto.log").display()
                );
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "mosquitto did not listen on port {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(Self {
            child,
            url: format!("mqtt://127.0.0.1:{port}"),
        })
    }
}

impl LocalBroker {
    /// The broker's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for LocalBroker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
