//! Camera errors as the UI shows them: a stable code and a French message.

use thiserror::Error;

/// Why the camera cannot be used. `Display` is the French message shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CameraError {
    /// No camera is connected.
    #[error("Aucune caméra n'a été trouvée. Branchez une caméra ou importez une photo du code.")]
    NoCamera,
    /// Another application holds the camera.
    #[error("La caméra est déjà utilisée par une autre application. Fermez-la puis réessayez.")]
    Busy,
    /// The system refused access.
    #[error("L'accès à la caméra a été refusé. Autorisez-le dans les réglages du système puis réessayez.")]
    PermissionDenied,
    /// This build has no camera support (built without the `native` feature).
    #[error("Cette version de Retour ne gère pas la caméra. Utilisez une douchette ou importez une photo du code.")]
    NotAvailable,
    /// The still picture that stands in for a camera (`RETOUR_CAMERA_IMAGE`) cannot be read.
    #[error("L'image qui remplace la caméra est illisible ({0}).")]
    StillImage(String),
    /// The camera stopped answering or gave an unreadable frame.
    #[error("La caméra ne répond pas ({0}). Débranchez-la et rebranchez-la, puis réessayez.")]
    Failed(String),
    /// The camera went away while filming (unplugged, switched off, taken by the system).
    #[error("La caméra a été débranchée ou ne répond plus. Rebranchez-la puis rouvrez la caméra, ou saisissez le numéro du BL.")]
    Lost,
}

impl CameraError {
    /// A stable identifier for the UI (`{code, message}`).
    pub fn code(&self) -> &'static str {
        match self {
            CameraError::NoCamera => "no_camera",
            CameraError::Busy => "camera_busy",
            CameraError::PermissionDenied => "camera_permission_denied",
            CameraError::NotAvailable => "camera_unavailable",
            CameraError::StillImage(_) => "camera_image_unreadable",
            CameraError::Failed(_) => "camera_failed",
            CameraError::Lost => "camera_lost",
        }
    }

    /// Maps a backend's error text to a case: device busy, permission, missing device.
    pub fn from_backend_message(message: &str) -> CameraError {
        let lower = message.to_lowercase();
        if lower.contains("busy") || lower.contains("ebusy") || lower.contains("in use") {
            CameraError::Busy
        } else if lower.contains("permission")
            || lower.contains("denied")
            || lower.contains("eacces")
            || lower.contains("not authorized")
        {
            CameraError::PermissionDenied
        } else if lower.contains("no such")
            || lower.contains("not found")
            || lower.contains("enoent")
            || lower.contains("no device")
        {
            CameraError::NoCamera
        } else {
            CameraError::Failed(message.to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_messages_map_to_cases_with_french_text() {
        let busy =
            CameraError::from_backend_message("Could not open device: Device or resource busy");
        assert_eq!(busy, CameraError::Busy);
        assert!(busy.to_string().contains("déjà utilisée"));
        assert_eq!(
            CameraError::from_backend_message("Permission denied (os error 13)"),
            CameraError::PermissionDenied
        );
        assert_eq!(
            CameraError::from_backend_message("/dev/video0: No such file or directory"),
            CameraError::NoCamera
        );
        assert_eq!(CameraError::NoCamera.code(), "no_camera");
        assert!(matches!(
            CameraError::from_backend_message("weird"),
            CameraError::Failed(_)
        ));
    }
}
