"""Personal data in H5P: none of its own (the learners' H5P answers are xAPI State, exported and
erased by courses.xapi.privacy); here, the user foreign keys that are staff's work records."""

from cms.privacy import exclude

# User foreign keys that are not the pointed-to person's own data (cms.privacy.excluded()).
exclude({
    "h5p.H5PPackage.uploaded_by": "course content uploaded by staff, not about them",
    "h5p.H5PLibraryUpgrade.offered_by": "library code uploaded by staff, not about them",
})
